package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Case notes and their attachments (issue 4, part B). The upload is the
// one form that is not application/x-www-form-urlencoded: it is
// multipart/form-data, read part by part with the size limit applied as it
// is read (the route's own body limit stops anything larger before it is
// read whole), and the file's content, never its name, decides its type.

type noteFormPage struct {
	caseBase
	View  *app.CaseView
	Form  app.NoteInput
	Kinds []hub.NoteKind
	Max   int
}

func (h *Handler) noteForm(r *http.Request, v *app.CaseView, in app.NoteInput) *noteFormPage {
	p := &noteFormPage{caseBase: caseBase{h.page(r, "Write a case note", "/cases")}, View: v, Form: in, Kinds: hub.NoteKinds, Max: h.app.NoteMaxRunes()}
	p.Back = "/cases/" + v.Case.ID
	return p
}

func (h *Handler) newNoteForm(w http.ResponseWriter, r *http.Request) {
	v, ok := h.writableCase(w, r)
	if !ok {
		return
	}
	kind := r.URL.Query().Get("kind")
	if !hub.NoteKind(kind).Valid() {
		kind = string(hub.NoteContact)
	}
	h.render(w, r, http.StatusOK, "note_form", h.noteForm(r, v, app.NoteInput{Kind: kind}))
}

func (h *Handler) addNote(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := app.NoteInput{Kind: value(r, "kind"), Date: value(r, "date"), Time: value(r, "time"), Body: value(r, "body")}
	n, err := h.app.AddNote(r.Context(), a, id, in)
	if err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound {
			h.failed(w, r, err)
			return
		}
		v, verr := h.app.ViewCase(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		h.refused(w, r, err, "note_form", h.noteForm(r, v, in))
		return
	}
	http.Redirect(w, r, "/notes/"+n.ID+"?done=saved", http.StatusSeeOther)
}

type notePage struct {
	caseBase
	View *app.NoteView
}

// MaxSize is the attachment limit for people.
func (p *notePage) MaxSize() string { return app.ByteSize(p.View.MaxBytes) }

// Size formats a file size.
func (p *notePage) Size(n int64) string { return app.ByteSize(n) }

func (h *Handler) notePage(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	v, err := h.app.ViewNote(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	p := &notePage{caseBase: caseBase{h.page(r, v.Note.Kind.Label()+" note", "/cases")}, View: v}
	p.Back = "/cases/" + v.Case.ID
	switch r.URL.Query().Get("done") {
	case "saved":
		p.Flash = "The note has been saved."
	case "attached":
		p.Flash = "The file has been attached."
	}
	h.render(w, r, http.StatusOK, "note", p)
}

// uploadLimit is the upload route's body limit: the attachment limit and
// room for the multipart framing.
func (h *Handler) uploadLimit() int64 {
	const framing = 64 << 10
	if h == nil || h.app == nil {
		return app.DefaultCaseConfig().AttachmentMaxBytes + framing
	}
	return h.app.AttachmentMaxBytes() + framing
}

// uploadAttachment reads a multipart/form-data upload with one file part
// named "file" and attaches it to the note.
func (h *Handler) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	name, content, err := h.readUpload(r)
	if err == nil {
		_, err = h.app.AddAttachment(r.Context(), a, id, name, content)
	}
	if err != nil {
		if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound {
			h.failed(w, r, err)
			return
		}
		v, verr := h.app.ViewNote(r.Context(), a, id)
		if verr != nil {
			h.failed(w, r, verr)
			return
		}
		p := &notePage{caseBase: caseBase{h.page(r, v.Note.Kind.Label()+" note", "/cases")}, View: v}
		p.Back = "/cases/" + v.Case.ID
		h.refused(w, r, err, "note", p)
		return
	}
	http.Redirect(w, r, "/notes/"+id+"?done=attached", http.StatusSeeOther)
}

var errNotMultipart = hub.Invalid("file", "send the file as multipart/form-data, in a part named file")

// readUpload reads the one file part of a multipart upload, refusing a
// declared or actual size over the limit before reading it whole.
func (h *Handler) readUpload(r *http.Request) (string, []byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return "", nil, errNotMultipart
	}
	if r.ContentLength > h.uploadLimit() {
		return "", nil, &hub.Error{Code: hub.ETooLarge, Field: "file", Message: "is larger than the limit of " + app.ByteSize(h.app.AttachmentMaxBytes())}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, errNotMultipart
	}
	var name string
	var content []byte
	found := false
	for parts := 0; ; parts++ {
		if parts > 10 {
			return "", nil, hub.Invalid("file", "the upload has too many parts")
		}
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return "", nil, &hub.Error{Code: hub.ETooLarge, Field: "file", Message: "is larger than the limit of " + app.ByteSize(h.app.AttachmentMaxBytes())}
			}
			return "", nil, errNotMultipart
		}
		if part.FormName() != "file" {
			// Other fields (there are none on our form) are read and dropped,
			// within the body limit.
			_, _ = io.Copy(io.Discard, io.LimitReader(part, 1<<16))
			part.Close()
			continue
		}
		if found {
			part.Close()
			return "", nil, hub.Invalid("file", "attach one file at a time")
		}
		found = true
		name = part.FileName()
		content, err = h.app.ReadAttachment(part)
		part.Close()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return "", nil, &hub.Error{Code: hub.ETooLarge, Field: "file", Message: "is larger than the limit of " + app.ByteSize(h.app.AttachmentMaxBytes())}
			}
			if hub.ErrorCode(err) != hub.EInternal {
				return "", nil, err
			}
			return "", nil, errNotMultipart
		}
	}
	if !found {
		return "", nil, hub.Invalid("file", "choose a file to attach")
	}
	return name, content, nil
}

// downloadAttachment serves an attachment by id, after the access decision,
// as a download: never inline, never sniffed, and sandboxed should a
// browser render it anyway.
func (h *Handler) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	at, body, err := h.app.OpenAttachment(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	defer body.Close()
	serveAttachment(w, at, body)
}

// serveAttachment writes an attachment's headers and content.
func serveAttachment(w http.ResponseWriter, at *hub.Attachment, body io.Reader) {
	hd := w.Header()
	hd.Set("Content-Type", at.ContentType)
	hd.Set("Content-Disposition", app.AttachmentDisposition(at.Name))
	hd.Set("Content-Length", strconv.FormatInt(at.Size, 10))
	hd.Set("X-Content-Type-Options", "nosniff")
	// The server's strict policy, sandboxed too, should a browser ever
	// render the file rather than save it.
	if csp := hd.Get("Content-Security-Policy"); csp != "" {
		hd.Set("Content-Security-Policy", csp+"; sandbox")
	} else {
		hd.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	}
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, io.LimitReader(body, at.Size))
}
