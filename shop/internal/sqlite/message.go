package sqlite

import (
	"encoding/json"
	"fmt"

	"github.com/paysandbox/paysandbox/shared/i18n"
)

// storedMessage is how a message is written: its key and arguments, and
// its English text for rows read without the catalogue (an older shop, a
// person at the sqlite3 prompt).
func storedMessage(m i18n.Message) (text, key, args string, err error) {
	if m.Key == "" {
		return m.Raw, "", "", nil
	}
	if len(m.Args) > 0 {
		b, err := json.Marshal(m.Args)
		if err != nil {
			return "", "", "", fmt.Errorf("sqlite: message %s: %w", m.Key, err)
		}
		args = string(b)
	}
	return m.String(), m.Key, args, nil
}

// loadMessage is the message of a row: its key and arguments, or the text
// of a row written before messages had keys.
func loadMessage(text, key, args string) (i18n.Message, error) {
	if key == "" {
		return i18n.Raw(text), nil
	}
	raw := `{"key":` + quote(key) + `}`
	if args != "" {
		raw = `{"key":` + quote(key) + `,"args":` + args + `}`
	}
	var m i18n.Message
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return i18n.Message{}, fmt.Errorf("sqlite: message %s: %w", key, err)
	}
	return m, nil
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
