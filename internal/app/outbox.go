package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"os"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

// OutboxSender is a Sender that writes each notification as one e-mail
// message file (RFC 5322, plain text, UTF-8) into a folder, for a
// deployment's own mailer to pick up and send (a cron job, an MTA's
// pickup directory). Safehub itself speaks no SMTP.
//
// File names are "<UTC time>-<notification id>.eml": no name, subject or
// other personal data. A file is written under a temporary name and
// renamed when complete, so a mailer never reads half a message; it is
// readable by its owner only. The message holds what the in-app
// notification says (a title and a short body that may name a child), so
// the folder must be kept like the database.
type OutboxSender struct {
	dir  string
	root *os.Root
	// From is the From address of the messages.
	From string
	// BaseURL, if set, makes the notification's link absolute
	// ("https://hub.example.org").
	BaseURL string
	now     func() time.Time
}

// NewOutboxSender opens (creating it if need be, mode 0700) the outbox
// folder dir.
func NewOutboxSender(dir, from, baseURL string) (*OutboxSender, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, errors.New("mail outbox: no folder given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail outbox: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("mail outbox: %w", err)
	}
	if from == "" {
		from = "Safehub <safehub@localhost>"
	}
	return &OutboxSender{dir: dir, root: root, From: from, BaseURL: strings.TrimRight(baseURL, "/"), now: time.Now}, nil
}

// Close releases the folder.
func (s *OutboxSender) Close() error { return s.root.Close() }

// Send implements Sender: it writes the message file. A user without an
// e-mail address gets none (the in-app notification stands).
func (s *OutboxSender) Send(ctx context.Context, to *hub.User, n *hub.Notification) error {
	if to.Email == "" {
		return nil
	}
	if !hub.ValidID(n.ID) {
		return fmt.Errorf("mail outbox: notification has no id")
	}
	msg := s.message(to, n)
	name := s.now().UTC().Format("20060102T150405.000000Z") + "-" + n.ID + ".eml"
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := ".tmp-" + hex.EncodeToString(rnd[:]) + "-" + name
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("mail outbox: %w", err)
	}
	_, err = f.Write(msg)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = s.root.Rename(tmp, name)
	}
	if err != nil {
		_ = s.root.Remove(tmp)
		return fmt.Errorf("mail outbox: %w", err)
	}
	return nil
}

// message renders the e-mail. Header values are stripped of line breaks
// and other control characters and encoded (RFC 2047) when not ASCII, so
// no text of a notification can add a header.
func (s *OutboxSender) message(to *hub.User, n *hub.Notification) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("Date", n.CreatedAt.UTC().Format(time.RFC1123Z))
	h("From", headerText(s.From))
	h("To", mime.QEncoding.Encode("utf-8", headerText(to.DisplayName))+" <"+headerText(to.Email)+">")
	h("Subject", mime.QEncoding.Encode("utf-8", headerText("Safehub: "+n.Title)))
	h("Message-ID", "<"+n.ID+"@safehub>")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "8bit")
	h("X-Safehub-Kind", headerText(n.Kind))
	b.WriteString("\r\n")
	body := n.Title + "\n"
	if n.Body != "" {
		body += "\n" + n.Body + "\n"
	}
	if n.Link != "" {
		body += "\nOpen it in Safehub: " + s.BaseURL + n.Link + "\n"
	}
	body += "\nYou are receiving this because you have an account in Safehub. Do not forward it.\n"
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r", ""), "\n", "\r\n"))
	return b.Bytes()
}

// headerText keeps a header value on one line: control characters
// (CR and LF among them) become spaces.
func headerText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
