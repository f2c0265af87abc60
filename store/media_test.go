package store

import (
	"testing"
	"time"
)

func TestUploads(t *testing.T) {
	f := newFixture(t)
	var id, unused int64
	f.tx(func(tx *Tx) (err error) {
		if id, err = tx.CreateUpload(f.ctx, Upload{Attachment: Attachment{MediaType: "image/png", Description: "a cat"}, Path: "ab/cd.png"}); err != nil {
			return err
		}
		unused, err = tx.CreateUpload(f.ctx, Upload{Path: "ef/gh.png"})
		return err
	})
	u, err := f.db.UploadByID(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if u.State != UploadProcessing || u.Path != "ab/cd.png" || u.Description != "a cat" || u.PostID != 0 {
		t.Errorf("new upload: got %+v", u)
	}
	f.tx(func(tx *Tx) error {
		if err := tx.SetUploadReady(f.ctx, id, Attachment{URL: "/media/ab/cd.webp", MediaType: "image/webp", Width: 640, Height: 480, Blurhash: "LKO2"}); err != nil {
			return err
		}
		if err := tx.UpdateUploadMeta(f.ctx, id, "a black cat", 0.5, -0.25); err != nil {
			return err
		}
		return tx.SetUploadFailed(f.ctx, unused, "not an image")
	})
	u, _ = f.db.UploadByID(f.ctx, id)
	if u.State != UploadReady || u.URL != "/media/ab/cd.webp" || u.Width != 640 || u.Description != "a black cat" || u.FocusY != -0.25 {
		t.Errorf("ready upload: got %+v", u)
	}
	if u, _ := f.db.UploadByID(f.ctx, unused); u.State != UploadFailed || u.Error != "not an image" {
		t.Errorf("failed upload: got %+v", u)
	}
	post := f.post(f.localID, Post{Attachments: []Attachment{{ID: id}}})
	if u, _ := f.db.UploadByID(f.ctx, id); u.PostID != post {
		t.Errorf("posted upload: post id %d, want %d", u.PostID, post)
	}
	p, _ := f.db.PostByID(f.ctx, post)
	if len(p.Attachments) != 1 || p.Attachments[0].URL != "/media/ab/cd.webp" {
		t.Errorf("post attachments: got %+v", p.Attachments)
	}

	later := time.Now().Add(time.Hour)
	if orphans, _ := f.db.OrphanUploads(f.ctx, time.Now().Add(-time.Hour), 10); len(orphans) != 0 {
		t.Errorf("orphans before the cut-off: got %+v", orphans)
	}
	orphans, err := f.db.OrphanUploads(f.ctx, later, 10)
	if err != nil || len(orphans) != 1 || orphans[0].AttachmentID != unused || orphans[0].Path != "ef/gh.png" {
		t.Errorf("orphans: got %+v, %v; want the unused upload", orphans, err)
	}
	// Deleting the post frees its file.
	f.tx(func(tx *Tx) error { return tx.DeletePost(f.ctx, post) })
	orphans, _ = f.db.OrphanUploads(f.ctx, time.Now().Add(-time.Hour), 10)
	if len(orphans) != 1 || orphans[0].AttachmentID != 0 || orphans[0].Path != "ab/cd.png" {
		t.Errorf("orphans after post deletion: got %+v", orphans)
	}
	f.tx(func(tx *Tx) error { return tx.DeleteUpload(f.ctx, orphans[0].UploadID) })
	if orphans, _ = f.db.OrphanUploads(f.ctx, time.Now().Add(-time.Hour), 10); len(orphans) != 0 {
		t.Errorf("orphans after cleanup: got %+v", orphans)
	}
	if _, err := f.db.UploadByID(f.ctx, id); !isNotFound(err) {
		t.Errorf("upload of a deleted post: got %v, want ErrNotFound", err)
	}
	if err := f.db.InTx(f.ctx, func(tx *Tx) error { return tx.UpdateUploadMeta(f.ctx, 999, "", 0, 0) }); !isNotFound(err) {
		t.Errorf("meta of a missing upload: got %v, want ErrNotFound", err)
	}
}
