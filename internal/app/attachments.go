package app

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// Attachments (issue 4, part B; security.md rows 10 and 11, SEC-34): files
// attached to case notes. A file is accepted only when its content is one
// of the allowed types (PDF, PNG, JPEG, DOCX), whatever its name says, and
// it is no larger than the configured limit. It is stored under a generated
// name inside the attachment directory, opened as an os.Root so that no
// path can leave it; the uploader's file name is kept, cleaned, for display
// and download only. Downloads go by the attachment's id, after the access
// decision, and are served as attachments (never rendered inline).

// Attachment content types.
const (
	TypePDF  = "application/pdf"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// attachmentExts are the file extensions of each accepted type.
var attachmentExts = map[string][]string{
	TypePDF:  {".pdf"},
	TypePNG:  {".png"},
	TypeJPEG: {".jpg", ".jpeg"},
	TypeDOCX: {".docx"},
}

// DOCX limits: a Word document is a zip archive, read only as far as its
// directory (it is never unpacked here), and refused when the directory
// describes an archive that would unpack to something unreasonable (a zip
// bomb), holds paths that climb out of it, or links.
const (
	docxMaxEntries  = 2000
	docxMaxUnpacked = 200 << 20
	docxMaxRatio    = 200
)

var errUnsupported = &hub.Error{Code: hub.EUnsupported, Field: "file", Message: "must be a PDF, a PNG or JPEG image, or a Word document (.docx)"}

// DetectAttachmentType returns the content type of content if it is an
// accepted kind of file, judged by its bytes alone, or an unsupported-type
// error saying what is accepted.
func DetectAttachmentType(content []byte) (string, error) {
	switch {
	case bytes.HasPrefix(content, []byte("%PDF-")):
		// A PDF that is also an HTML page (a polyglot) is refused: browsers
		// sniff the start of a file.
		head := bytes.ToLower(content[:min(len(content), 1024)])
		for _, m := range []string{"<html", "<script", "<!doctype", "<svg", "<body", "<iframe"} {
			if bytes.Contains(head, []byte(m)) {
				return "", errUnsupported
			}
		}
		return TypePDF, nil
	case len(content) >= 16 && bytes.HasPrefix(content, []byte("\x89PNG\r\n\x1a\n")) && string(content[12:16]) == "IHDR":
		return TypePNG, nil
	case len(content) >= 4 && content[0] == 0xFF && content[1] == 0xD8 && content[2] == 0xFF:
		return TypeJPEG, nil
	case bytes.HasPrefix(content, []byte("PK\x03\x04")):
		if err := checkDOCX(content); err != nil {
			return "", err
		}
		return TypeDOCX, nil
	}
	return "", errUnsupported
}

// checkDOCX reads a zip archive's directory (not its contents) and accepts
// it only as a Word document with sensible sizes, no climbing paths, no
// links and no macros.
func checkDOCX(content []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		return errUnsupported
	}
	if len(zr.File) > docxMaxEntries {
		return &hub.Error{Code: hub.EUnsupported, Field: "file", Message: "is an archive with too many parts to be a Word document"}
	}
	var total uint64
	var types, doc bool
	for _, f := range zr.File {
		name := f.Name
		if name == "" || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\\\x00:") || slices.Contains(strings.Split(name, "/"), "..") {
			return &hub.Error{Code: hub.EUnsupported, Field: "file", Message: "is an archive with unsafe paths"}
		}
		if f.Mode()&fs.ModeSymlink != 0 {
			return &hub.Error{Code: hub.EUnsupported, Field: "file", Message: "is an archive holding links"}
		}
		total += f.UncompressedSize64
		if total > docxMaxUnpacked || f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > docxMaxRatio {
			return &hub.Error{Code: hub.EUnsupported, Field: "file", Message: "is an archive that would unpack to far more than its size (a zip bomb)"}
		}
		switch strings.ToLower(name) {
		case "[content_types].xml":
			types = true
		case "word/document.xml":
			doc = true
		case "word/vbaproject.bin":
			return &hub.Error{Code: hub.EUnsupported, Field: "file", Message: "is a Word document with macros; save it as a plain .docx"}
		}
	}
	if !types || !doc {
		return errUnsupported
	}
	return nil
}

// maxNameRunes bounds a cleaned attachment name.
const maxNameRunes = 100

// windowsReserved are names Windows will not save a file as.
var windowsReserved = map[string]bool{"con": true, "prn": true, "aux": true, "nul": true,
	"com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true}

// SanitizeAttachmentName turns an uploaded file's name into a safe display
// name: the last path element only (after /, \, their full-width forms or a
// drive colon), without control, format or text-direction characters,
// without leading or trailing dots and spaces, not a Windows device name,
// at most 100 characters (keeping the extension), and never empty. The
// name is for display and download only: it never names a stored file.
func SanitizeAttachmentName(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	if i := strings.LastIndexAny(name, "/\\:\uff0f\uff3c\u2215\u29f8"); i >= 0 {
		_, size := utf8.DecodeRuneInString(name[i:])
		name = name[i+size:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r) || r == utf8.RuneError:
			continue
		case r == '"' || r == '<' || r == '>' || r == '|' || r == '?' || r == '*':
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(b.String(), " .\u00a0")
	ext := path.Ext(name)
	if len([]rune(ext)) > 10 {
		ext = ""
	}
	base := strings.TrimSuffix(name, ext)
	if windowsReserved[strings.ToLower(strings.TrimRight(base, " "))] {
		base = "file-" + base
	}
	if r := []rune(base); len(r)+len([]rune(ext)) > maxNameRunes {
		base = strings.TrimRight(string(r[:maxNameRunes-len([]rune(ext))]), " .")
	}
	name = base + ext
	if base == "" {
		name = "attachment" + ext
	}
	return name
}

// attachmentName checks an upload's name against its detected type: a name
// whose extension says another type is refused as a type mismatch; a name
// without a known extension gets the type's.
func attachmentName(name, contentType string) (string, error) {
	name = SanitizeAttachmentName(name)
	ext := strings.ToLower(path.Ext(name))
	want := attachmentExts[contentType]
	for _, e := range want {
		if ext == e {
			return name, nil
		}
	}
	for t, es := range attachmentExts {
		for _, e := range es {
			if ext == e && t != contentType {
				return "", &hub.Error{Code: hub.EUnsupported, Field: "file", Message: fmt.Sprintf("is named %s but its content is %s; attach the file as it is", ext, typeLabel(contentType))}
			}
		}
	}
	if looksLikeType(ext) {
		// A name saying a type we do not accept (.html, .svg, .exe) is
		// refused even if the content passes as another type.
		return "", &hub.Error{Code: hub.EUnsupported, Field: "file", Message: fmt.Sprintf("is named %s, which is not a type accepted here; it "+errUnsupported.Message, ext)}
	}
	r := []rune(name)
	if len(r)+len(want[0]) > maxNameRunes {
		name = string(r[:maxNameRunes-len(want[0])])
	}
	return name + want[0], nil
}

// looksLikeType reports whether ext (".html") reads as a file type: one to
// five letters and digits, at least one a letter ("v1.2" has none).
func looksLikeType(ext string) bool {
	e := strings.TrimPrefix(ext, ".")
	if e == "" || len(e) > 5 || len(e) == len(ext) {
		return false
	}
	letter := false
	for _, c := range []byte(e) {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			letter = true
		case '0' <= c && c <= '9':
		default:
			return false
		}
	}
	return letter
}

func typeLabel(ct string) string {
	switch ct {
	case TypePDF:
		return "a PDF"
	case TypePNG:
		return "a PNG image"
	case TypeJPEG:
		return "a JPEG image"
	case TypeDOCX:
		return "a Word document"
	}
	return ct
}

// AttachmentDisposition is the Content-Disposition of a download: always
// "attachment", with the name as an ASCII fallback and in full as RFC 5987
// UTF-8 (RFC 6266).
func AttachmentDisposition(name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%' || r == ';' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	const attrChar = "!#$&+-.^_`|~"
	for _, c := range []byte(name) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(attrChar, c) >= 0 {
			ext.WriteByte(c)
		} else {
			fmt.Fprintf(&ext, "%%%02X", c)
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// storedPath is where an attachment's file lives inside the attachment
// directory: a fan-out directory named by the id's last two characters
// (random; the first ones are a timestamp, which would put every new file
// in the same directory) and the attachment's id.
func storedPath(id string) string { return id[len(id)-2:] + "/" + id }

// attachmentRoot opens the attachment directory as an os.Root, creating it
// (owner-only) if needed.
func (a *App) attachmentRoot() (*os.Root, error) {
	dir := a.caseConfig().AttachmentDir
	if dir == "" {
		return nil, hub.Errorf(hub.EUnavailable, "attachments are not set up on this server")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("attachment directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("attachment directory: %w", err)
	}
	return root, nil
}

// AttachmentMaxBytes is the configured size limit of one attachment.
func (a *App) AttachmentMaxBytes() int64 { return a.caseConfig().AttachmentMaxBytes }

// AttachmentsEnabled reports whether uploads are set up.
func (a *App) AttachmentsEnabled() bool { return a.caseConfig().AttachmentDir != "" }

// ReadAttachment reads an upload's content from r, refusing more than the
// configured limit (hub.ETooLarge) without reading further.
func (a *App) ReadAttachment(r io.Reader) ([]byte, error) {
	max := a.caseConfig().AttachmentMaxBytes
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, tooLarge(max)
	}
	return b, nil
}

func tooLarge(max int64) error {
	return &hub.Error{Code: hub.ETooLarge, Field: "file", Message: fmt.Sprintf("is larger than the limit of %s", byteSize(max))}
}

// byteSize formats a size for people: "10 MB", "512 KB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ByteSize formats a size for people.
func ByteSize(n int64) string { return byteSize(n) }

// AddAttachment attaches a file to a note of an active case. The content is
// checked (type by content, size) before anything is stored; the file is
// written under a generated name, then its row and the audit event are
// committed. A file whose row is not committed is removed.
func (a *App) AddAttachment(ctx context.Context, actor *access.Actor, noteID, name string, content []byte) (*hub.Attachment, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	if !hub.ValidID(noteID) {
		return nil, hub.NotFound("note")
	}
	max := a.caseConfig().AttachmentMaxBytes
	if int64(len(content)) > max {
		return nil, tooLarge(max)
	}
	if len(content) == 0 {
		return nil, hub.Invalid("file", "choose a file to attach; this one is empty")
	}
	ct, err := DetectAttachmentType(content)
	if err != nil {
		return nil, err
	}
	display, err := attachmentName(name, ct)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	at := &hub.Attachment{ID: hub.NewID(), Name: display, ContentType: ct, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), UploadedBy: actor.ID}
	at.StoredName = storedPath(at.ID)
	root, err := a.attachmentRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if err := writeStored(root, at.StoredName, content); err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			if err := root.Remove(at.StoredName); err != nil && !errors.Is(err, fs.ErrNotExist) {
				a.log.Warn("remove uncommitted attachment", "attachment_id", at.ID, "err", err)
			}
		}
	}()
	err = a.withNote(ctx, actor, noteID, hub.ActCreate, access.CaseWrite, func(tx *store.Tx, ca *caseAccess, n *hub.Note, e *hub.AuditEvent) error {
		if !ca.Case.Status.Active() {
			return hub.Invalid("case", "the case is closed")
		}
		at.NoteID, at.CaseID, at.AreaID = n.ID, n.CaseID, n.AreaID
		if err := tx.CreateAttachment(at); err != nil {
			return err
		}
		e.ObjectType, e.ObjectID = "attachment", at.ID
		e.Detail = fmt.Sprintf("%s, %d bytes, on note %s", ct, at.Size, n.ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	committed = true
	return at, nil
}

// writeStored writes content to a new file inside root (never replacing
// one), synced to disk before it returns.
func writeStored(root *os.Root, name string, content []byte) error {
	if dir := path.Dir(name); dir != "." {
		if err := root.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("store attachment: %w", err)
		}
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store attachment: %w", err)
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return fmt.Errorf("store attachment: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("store attachment: %w", err)
	}
	return f.Close()
}

// OpenAttachment returns an attachment the actor may read and its content,
// auditing the download (the file's bytes are read after the commit). The
// caller closes the reader. An attachment the actor may not see is not
// found.
func (a *App) OpenAttachment(ctx context.Context, actor *access.Actor, id string) (*hub.Attachment, io.ReadCloser, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, nil, err
	}
	if !hub.ValidID(id) {
		return nil, nil, hub.NotFound("attachment")
	}
	var at *hub.Attachment
	denied := false
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		at, err = tx.Attachment(id)
		if errors.Is(err, hub.ErrNotFound) {
			denied = true
			e := event(ctx, actor, hub.ActExport, "attachment", id)
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		ca, err := a.casePartFor(tx, actor, access.CaseRead, at.CaseID, hub.PartNotes)
		if err != nil {
			return err
		}
		e := caseEvent(ctx, actor, hub.ActExport, "attachment", id, ca.Subject)
		if !ca.Decision.Allow {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, ca.Decision.Reason
			return tx.AppendAudit(e)
		}
		markShare(e, ca.Decision)
		e.Detail = "downloaded " + at.ContentType
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, nil, err
	}
	if denied {
		return nil, nil, hub.NotFound("attachment")
	}
	root, err := a.attachmentRoot()
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	f, err := root.Open(at.StoredName)
	if err != nil {
		return nil, nil, fmt.Errorf("open attachment %s: %w", at.ID, err)
	}
	return at, f, nil
}
