package models

import "time"

// WriteHealth is what the store knows of whether writes work: the cause of the last
// failed write (EFULL, EREADONLY, ELOCKED or ESTORAGE) and since when writes have
// failed, until a write succeeds again.
type WriteHealth struct {
	// Cause is the code of the last failure; "" while writes work.
	Cause string
	// Since is when the first of the failures in a row happened.
	Since time.Time
}

// OK reports whether writes work, as far as the store knows.
func (h WriteHealth) OK() bool { return h.Cause == "" }
