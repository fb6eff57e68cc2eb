package webhook

import (
	"testing"
	"time"
)

// TestSign checks the signature against the Standard Webhooks libraries' own test
// vector, and that Verify accepts it and refuses a changed body.
func TestSign(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	const id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	at := time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)
	sig, err := Sign([]string{secret}, id, at, body)
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; sig != want {
		t.Errorf("signature %s, want %s", sig, want)
	}
	if err := Verify(secret, id, "1614265330", sig, body, at, time.Minute); err != nil {
		t.Errorf("verify: %v", err)
	}
	if err := Verify(secret, id, "1614265330", sig, []byte(`{"test": 2432232315}`), at, time.Minute); err == nil {
		t.Error("a changed body verified")
	}
	if err := Verify(secret, id, "1614265330", sig, body, at.Add(time.Hour), time.Minute); err == nil {
		t.Error("an old timestamp verified")
	}
}
