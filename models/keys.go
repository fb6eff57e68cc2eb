package models

import "time"

// Key scopes: editors write content; admins also read the audit log.
const (
	ScopeEditor = "editor"
	ScopeAdmin  = "admin"
)

// Key is an API key's record. The key itself is never stored, only its hash.
type Key struct {
	Name       string
	Scope      string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Allows reports whether the key's scope covers scope.
func (k *Key) Allows(scope string) bool {
	return k.Scope == ScopeAdmin || k.Scope == scope
}

// AuditEntry is one recorded write.
type AuditEntry struct {
	ID       int64
	At       time.Time
	KeyName  string
	Action   string
	ItemType string
	Slug     string
	Before   *string
	After    *string
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	ItemType string
	Slug     string
	Limit    int
	Cursor   string
}

// ItemTypes are the editable content types.
var ItemTypes = []string{"article", "helpline", "campaign", "organisation"}

// Audit actions.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
)
