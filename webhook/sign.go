// Package webhook sends Signpost's webhook messages: it signs them as the Standard
// Webhooks specification says, refuses targets inside the server's own network,
// and delivers the outbox with retries on a fixed schedule.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// secretPrefix starts every signing secret: the Standard Webhooks form is whsec_
// and the key in base64.
const secretPrefix = "whsec_"

// Sign returns the webhook-signature header of a message: "v1," and the base64
// HMAC-SHA256 of "msgID.timestamp.body" under each secret's key, separated by
// spaces (two while a rotated secret's grace period lasts).
func Sign(secrets []string, msgID string, at time.Time, body []byte) (string, error) {
	ts := strconv.FormatInt(at.Unix(), 10)
	var sigs []string
	for _, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, secretPrefix))
		if err != nil || len(key) == 0 {
			return "", errors.New("webhook: a signing secret is not whsec_ and base64")
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msgID + "." + ts + "."))
		m.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// Verify checks a message's signature header against a secret, as a receiver does:
// at least one v1 signature must match, and the timestamp must be within tolerance
// of now. It is here for tests and for Go receivers to copy.
func Verify(secret, msgID, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("webhook: bad timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhook: timestamp too old or too new")
	}
	want, err := Sign([]string{secret}, msgID, time.Unix(sec, 0), body)
	if err != nil {
		return err
	}
	for _, sig := range strings.Fields(signature) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return errors.New("webhook: no signature matches")
}
