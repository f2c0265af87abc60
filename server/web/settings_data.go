package web

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kith/portability"
	"kith/server/core"
	"kith/store"
)

// MaxImportBody caps an upload on the data page: a CSV or an archive with
// its media.
const MaxImportBody = 4 << 30

// importErrorsShown is how many failed lines the page lists per import.
const importErrorsShown = 50

type DataDownload struct {
	Kind     string
	FileName string
}

type ImportRow struct {
	store.Import
	Errors []store.ImportRow
}

type DataPage struct {
	Site      core.Site
	Downloads []DataDownload
	Imports   []ImportRow
	Running   bool
	Message   string // the outcome of the last archive import
}

// HandleDataPage shows the export downloads, the import form and the
// progress of imports. While one runs, the page refreshes itself.
func (s *Web) HandleDataPage(w http.ResponseWriter, r *http.Request) error {
	view := DataPage{Site: s.Site(r), Message: r.URL.Query().Get("message")}
	for _, k := range portability.Kinds {
		view.Downloads = append(view.Downloads, DataDownload{Kind: string(k), FileName: k.FileName()})
	}
	recent, err := s.DB.RecentImports(r.Context(), 10)
	if err != nil {
		return err
	}
	for _, im := range recent {
		row := ImportRow{Import: im}
		if im.Failed > 0 {
			if row.Errors, err = s.DB.ImportRows(r.Context(), im.ID, store.ImportFailed, importErrorsShown); err != nil {
				return err
			}
		}
		view.Running = view.Running || im.State != store.ImportDone
		view.Imports = append(view.Imports, row)
	}
	if view.Running {
		w.Header().Set("Refresh", "5")
	}
	s.Render(w, r, http.StatusOK, "settings_data", view)
	return nil
}

func (s *Web) porter() (*portability.Porter, error) {
	if s.Opts.Porter == nil {
		return nil, core.Refuse(http.StatusNotFound, "Export and import are not available here.")
	}
	return s.Opts.Porter, nil
}

// HandleExportArchive streams the archive as it is written: nothing is
// buffered, whatever the number of posts.
func (s *Web) HandleExportArchive(w http.ResponseWriter, r *http.Request) error {
	p, err := s.porter()
	if err != nil {
		return err
	}
	name := fmt.Sprintf("kith-%s-%s.zip", s.Config().Owner.Username, s.Opts.Now().UTC().Format("2006-01-02"))
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if err := p.WriteArchive(r.Context(), w); err != nil {
		// The status is sent already; a cut-off download is all the
		// browser can be told.
		s.Logger.Error("export failed", "err", err)
	}
	return nil
}

// HandleExportCSV answers one list as a CSV download.
func (s *Web) HandleExportCSV(w http.ResponseWriter, r *http.Request) error {
	p, err := s.porter()
	if err != nil {
		return err
	}
	kind, err := portability.ParseKind(core.PathParam(r, "kind"))
	if err != nil {
		return store.ErrNotFound
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+kind.FileName()+`"`)
	if err := p.WriteCSV(r.Context(), kind, w); err != nil {
		s.Logger.Error("export failed", "err", err)
	}
	return nil
}

// HandleImport takes an uploaded CSV (queued, applied in the background)
// or archive (its posts imported now).
func (s *Web) HandleImport(w http.ResponseWriter, r *http.Request) error {
	if err := core.CheckCSRF(r); err != nil {
		return err
	}
	p, err := s.porter()
	if err != nil {
		return err
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		return core.Refuse(http.StatusBadRequest, "Choose a file to import.")
	}
	defer file.Close()
	defer r.MultipartForm.RemoveAll()
	name := strings.ToLower(header.Filename)
	if strings.HasSuffix(name, ".zip") || strings.HasSuffix(name, ".tar.gz") || strings.HasSuffix(name, ".tgz") {
		return s.importArchive(w, r, p, file, header.Size)
	}
	var kind portability.Kind
	if list := r.PostFormValue("list"); list != "" {
		if kind, err = portability.ParseKind(list); err != nil {
			return core.Refuse(http.StatusBadRequest, err.Error())
		}
	}
	parsed, err := portability.ParseCSV(file, header.Filename, kind)
	if err != nil {
		return core.Refuse(http.StatusBadRequest, err.Error())
	}
	if _, err := p.StartImport(r.Context(), parsed, r.PostFormValue("mode"), header.Filename); err != nil {
		return core.Refuse(http.StatusBadRequest, err.Error())
	}
	http.Redirect(w, r, "/settings/data", http.StatusSeeOther)
	return nil
}

func (s *Web) importArchive(w http.ResponseWriter, r *http.Request, p *portability.Porter, file multipart.File, size int64) error {
	res, err := p.ImportArchive(r.Context(), file, size)
	if errors.Is(err, portability.ErrBadArchive) {
		return core.Refuse(http.StatusBadRequest, "The archive was refused and nothing was changed: "+err.Error())
	}
	if err != nil {
		return err
	}
	msg := "Imported " + strconv.Itoa(res.Created) + " posts (" + strconv.Itoa(res.Skipped) + " were there already, " +
		strconv.Itoa(res.Boosts) + " boosts left out)."
	if len(res.Warnings) > 0 {
		msg += " " + strconv.Itoa(len(res.Warnings)) + " items were left out; the first: " + res.Warnings[0]
	}
	http.Redirect(w, r, "/settings/data?message="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

// Processed counts the lines applied or refused so far, for the
// progress bar.
func (r ImportRow) Processed() int { return r.Done + r.Failed }
