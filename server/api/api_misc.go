package api

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"kith/server/core"
	"kith/store"
)

// markerTimelines are the timelines Mastodon keeps read markers for.
var markerTimelines = []string{"home", "notifications"}

type apiMarker struct {
	LastReadID string `json:"last_read_id"`
	Version    int    `json:"version"`
	UpdatedAt  string `json:"updated_at"`
}

func apiMarkersOf(ms map[string]store.Marker) map[string]apiMarker {
	out := map[string]apiMarker{}
	for name, m := range ms {
		out[name] = apiMarker{LastReadID: core.APIID(m.LastReadID), Version: m.Version, UpdatedAt: core.APITime(m.UpdatedAt)}
	}
	return out
}

// HandleMarkers answers GET /api/v1/markers?timeline[]=home: the saved
// positions among those asked for (none asked: none answered, as in
// Mastodon).
func (s *API) HandleMarkers(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	var names []string
	for _, t := range p.List("timeline") {
		if slices.Contains(markerTimelines, t) {
			names = append(names, t)
		}
	}
	ms := map[string]store.Marker{}
	if len(names) > 0 {
		if ms, err = s.DB.Markers(r.Context(), names...); err != nil {
			return err
		}
	}
	core.WriteAPI(w, http.StatusOK, apiMarkersOf(ms))
	return nil
}

// HandleSaveMarkers answers POST /api/v1/markers with home[last_read_id]
// and notifications[last_read_id].
func (s *API) HandleSaveMarkers(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	ms := map[string]store.Marker{}
	err = s.DB.InTx(r.Context(), func(tx *store.Tx) error {
		for _, t := range markerTimelines {
			key := t + "[last_read_id]"
			if !p.Has(key) {
				continue
			}
			m, err := tx.SetMarker(r.Context(), t, p.Int(key, 0))
			if err != nil {
				return err
			}
			ms[t] = m
		}
		return nil
	})
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiMarkersOf(ms))
	return nil
}

// HandleFollowRequests answers GET /api/v1/follow_requests.
func (s *API) HandleFollowRequests(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := p.Page(store.MaxLimit, store.MaxLimit)
	actors, err := s.DB.FollowRequests(r.Context(), pg)
	if err != nil {
		return err
	}
	return s.writeAccountPage(w, r, actors, nil, pg.Limit)
}

// HandleAnswerFollowRequest answers POST
// /api/v1/follow_requests/{id}/authorize and /reject with the
// relationship that follows.
func (s *API) HandleAnswerFollowRequest(accept bool) core.Failing {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := core.PathID(r, "id")
		if err == nil {
			if accept {
				err = s.Fed.AcceptFollower(r.Context(), id)
			} else {
				err = s.Fed.RejectFollower(r.Context(), id)
			}
		}
		var rels []apiRelationship
		if err == nil {
			rels, err = s.relationships(r.Context(), []int64{id})
		}
		if err == nil && len(rels) == 0 {
			err = store.ErrNotFound
		}
		if err != nil {
			return err
		}
		core.WriteAPI(w, http.StatusOK, rels[0])
		return nil
	}
}

// HandleBlocks answers GET /api/v1/blocks.
func (s *API) HandleBlocks(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := p.Page(store.MaxLimit, store.MaxLimit)
	actors, err := s.DB.BlockedActors(r.Context(), pg)
	if err != nil {
		return err
	}
	return s.writeAccountPage(w, r, actors, nil, pg.Limit)
}

// mutedAccount is an Account as GET /api/v1/mutes lists it, with when
// the mute ends.
type mutedAccount struct {
	apiAccount
	MuteExpiresAt *string `json:"mute_expires_at"`
}

// HandleMutes answers GET /api/v1/mutes, paged by when each mute was made.
func (s *API) HandleMutes(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := p.Page(store.MaxLimit, store.MaxLimit)
	mutes, err := s.DB.Mutes(r.Context(), pg)
	if err != nil {
		return err
	}
	ids := make([]int64, len(mutes))
	for i, m := range mutes {
		ids[i] = m.ActorID
	}
	actors, err := s.DB.ActorsByIDs(r.Context(), ids)
	if err != nil {
		return err
	}
	accounts, err := s.renderAccounts(r.Context(), actors)
	if err != nil {
		return err
	}
	byID := map[string]apiAccount{}
	for _, a := range accounts {
		byID[a.ID] = a
	}
	out := []mutedAccount{}
	for _, m := range mutes {
		if a, ok := byID[core.APIID(m.ActorID)]; ok {
			out = append(out, mutedAccount{apiAccount: a, MuteExpiresAt: core.APITimePtr(m.ExpiresAt)})
		}
	}
	if len(mutes) > 0 {
		s.SetLinkHeader(w, r, mutes[0].ID, mutes[len(mutes)-1].ID, len(mutes), pg.Limit)
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleDomainBlocks answers GET /api/v1/domain_blocks: every domain the
// owner blocked (few enough for one page).
func (s *API) HandleDomainBlocks(w http.ResponseWriter, r *http.Request) error {
	domains, err := s.DB.DomainBlocks(r.Context())
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, nonNilStrings(domains))
	return nil
}

// HandleDomainBlock answers POST and DELETE /api/v1/domain_blocks with
// domain=….
func (s *API) HandleDomainBlock(block bool) core.Failing {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := core.Params(r)
		domain := strings.TrimSpace(p.String("domain"))
		if err == nil && domain == "" {
			err = core.Refuse(http.StatusUnprocessableEntity, "Validation failed: Domain can't be blank")
		}
		if err == nil {
			if block {
				err = s.Fed.BlockDomain(r.Context(), domain)
			} else {
				err = s.Fed.UnblockDomain(r.Context(), domain)
			}
		}
		if err != nil {
			return err
		}
		core.WriteAPI(w, http.StatusOK, map[string]any{})
		return nil
	}
}

// apiScheduledOf renders a scheduled post with its media.
func (s *API) apiScheduledOf(r *http.Request, st store.ScheduledStatus) (apiScheduledStatus, error) {
	out := apiScheduledStatus{ID: core.APIID(st.ID), ScheduledAt: core.APITime(st.ScheduledAt), Params: st.Params, MediaAttachments: []apiMediaAttachment{}}
	for _, id := range st.MediaIDs {
		u, err := s.DB.UploadByID(r.Context(), id)
		if err != nil {
			continue // cleaned up since
		}
		out.MediaAttachments = append(out.MediaAttachments, s.apiUploadOf(u))
	}
	return out, nil
}

// HandleScheduledStatuses answers GET /api/v1/scheduled_statuses.
func (s *API) HandleScheduledStatuses(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	pg := p.Page(store.DefaultLimit, store.MaxLimit)
	list, err := s.DB.ScheduledStatuses(r.Context(), pg)
	if err != nil {
		return err
	}
	out := make([]apiScheduledStatus, 0, len(list))
	for _, st := range list {
		v, err := s.apiScheduledOf(r, st)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	if len(list) > 0 {
		s.SetLinkHeader(w, r, list[0].ID, list[len(list)-1].ID, len(list), pg.Limit)
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// scheduledByPath loads the scheduled post named by {id}.
func (s *API) scheduledByPath(r *http.Request) (store.ScheduledStatus, error) {
	id, err := core.PathID(r, "id")
	if err != nil {
		return store.ScheduledStatus{}, err
	}
	return s.DB.ScheduledStatusByID(r.Context(), id)
}

func (s *API) writeScheduled(w http.ResponseWriter, r *http.Request, st store.ScheduledStatus) error {
	out, err := s.apiScheduledOf(r, st)
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, out)
	return nil
}

// HandleScheduledStatus answers GET /api/v1/scheduled_statuses/{id}.
func (s *API) HandleScheduledStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.scheduledByPath(r)
	if err != nil {
		return err
	}
	return s.writeScheduled(w, r, st)
}

// HandleReschedule answers PUT /api/v1/scheduled_statuses/{id}.
func (s *API) HandleReschedule(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	var st store.ScheduledStatus
	if err == nil {
		st, err = s.scheduledByPath(r)
	}
	var at time.Time
	if err == nil {
		at, err = time.Parse(time.RFC3339Nano, p.String("scheduled_at"))
		if err != nil {
			err = core.Refuse(http.StatusUnprocessableEntity, "Validation failed: scheduled_at must be a time such as 2026-12-01T09:00:00Z")
		} else if at.Before(s.Opts.Now().Add(core.MinScheduleAhead)) {
			// Note: Mastodon's message, word for word.
			err = core.Refuse(http.StatusUnprocessableEntity, "Validation failed: Scheduled at the specified time must be at least 5 minutes in the future")
		}
	}
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.RescheduleStatus(r.Context(), st.ID, at.UTC()) })
	}
	if err != nil {
		return err
	}
	st.ScheduledAt = at.UTC()
	return s.writeScheduled(w, r, st)
}

// HandleCancelScheduled answers DELETE /api/v1/scheduled_statuses/{id}.
func (s *API) HandleCancelScheduled(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r, "id")
	if err == nil {
		err = s.DB.InTx(r.Context(), func(tx *store.Tx) error { return tx.DeleteScheduledStatus(r.Context(), id) })
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, map[string]any{})
	return nil
}

// apiReport is Mastodon's Report entity.
type apiReport struct {
	ID            string     `json:"id"`
	ActionTaken   bool       `json:"action_taken"`
	ActionTakenAt *string    `json:"action_taken_at"`
	Category      string     `json:"category"`
	Comment       string     `json:"comment"`
	Forwarded     bool       `json:"forwarded"`
	CreatedAt     string     `json:"created_at"`
	StatusIDs     []string   `json:"status_ids"`
	RuleIDs       []string   `json:"rule_ids"`
	TargetAccount apiAccount `json:"target_account"`
}

// HandleCreateReport answers POST /api/v1/reports. The report is kept on
// this server only: forwarding it to the reported account's server is
// not implemented, so forwarded is always false, whatever was asked.
func (s *API) HandleCreateReport(w http.ResponseWriter, r *http.Request) error {
	p, err := core.Params(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	target, err := s.DB.ActorByID(ctx, p.Int("account_id", 0))
	if err != nil {
		return err
	}
	objects := []string{target.URI}
	statusIDs := []string{}
	for _, v := range p.List("status_ids") {
		post, err := s.DB.PostByID(ctx, parseID(v))
		if err != nil || post.AuthorID != target.ID {
			return store.ErrNotFound
		}
		objects = append(objects, post.URI)
		statusIDs = append(statusIDs, core.APIID(post.ID))
	}
	category := p.String("category")
	if !slices.Contains([]string{"spam", "legal", "violation", "other"}, category) {
		category = "other"
	}
	comment := p.String("comment")
	var id int64
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		id, err = tx.CreateOwnReport(ctx, "urn:kith:report:"+randomHex(16), comment, objects)
		return err
	})
	var acct apiAccount
	if err == nil {
		acct, err = s.renderAccount(ctx, target)
	}
	if err != nil {
		return err
	}
	core.WriteAPI(w, http.StatusOK, apiReport{ID: core.APIID(id), Category: category, Comment: comment, CreatedAt: core.APITime(s.Opts.Now()),
		StatusIDs: statusIDs, RuleIDs: []string{}, TargetAccount: acct})
	return nil
}

// parseID reads an API id; a malformed one is 0, which finds nothing.
func parseID(v string) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
