package models

import (
	"errors"
	"fmt"
)

// Error codes. Handlers map each code to one HTTP status; see handlers.problemStatus.
const (
	ECONFLICT     = "conflict"            // 409: the write clashes with existing content (e.g. a slug in use)
	EINTERNAL     = "internal"            // 500: a fault of ours; never shown to clients in detail
	EINVALID      = "invalid"             // 422: the content of a write is not acceptable
	EBADPARAM     = "bad_parameter"       // 400: a query parameter or cursor is not acceptable
	ENOTFOUND     = "not_found"           // 404
	EPRECONDITION = "precondition_failed" // 412: If-Match no longer matches
	EUNAUTHORIZED = "unauthorized"        // 401
	EFORBIDDEN    = "forbidden"           // 403
	EMOVED        = "moved"               // 301: the slug changed; Error.Location holds the new slug
	ETOOLARGE     = "too_large"           // 413
	EUNSUPPORTED  = "unsupported_media"   // 415
	ERATELIMITED  = "rate_limited"        // 429
	EBADREQUEST   = "bad_request"         // 400: a malformed request body

	// Storage failures: the database cannot take the write just now. Nothing of the
	// write is saved, and reads go on.
	EFULL     = "storage_full"      // 507: the database or its disk is full
	EREADONLY = "storage_read_only" // 503: the database is read-only
	ELOCKED   = "storage_locked"    // 503: another process holds the database's write lock
	ESTORAGE  = "storage_error"     // 503: the database file cannot be opened, read or written (I/O error)
)

// FieldError names one field (or query parameter) and what is wrong with it.
type FieldError struct {
	Field   string
	Message string
}

// Error is the one error type of the domain. Its Message is safe to show to clients.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// Location is the new slug when Code is EMOVED.
	Location string
}

func (e *Error) Error() string {
	return fmt.Sprintf("signpost error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted, client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error listing field errors, or nil when there are none.
func Invalid(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "The request contains invalid fields.", Fields: fields}
}

// BadParam returns an EBADPARAM error naming the query parameter.
func BadParam(param, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EBADPARAM, Message: fmt.Sprintf("Invalid parameter %q: %s", param, msg),
		Fields: []FieldError{{Field: param, Message: msg}}}
}

// ErrorCode returns the code of an *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}
