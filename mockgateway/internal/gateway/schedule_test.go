package gateway

import (
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	s, err := ParseSchedule("wechat")
	if err != nil || len(s) != 16 || s[1] != 15*time.Second || s[15] != 6*time.Hour {
		t.Fatalf("wechat = %v, %v", s, err)
	}
	if s, _ := ParseSchedule("alipay"); len(s) != 8 || s[7] != 15*time.Hour {
		t.Fatalf("alipay = %v", s)
	}
	if s, _ := ParseSchedule("standard"); len(s) != 8 || s[1] != 5*time.Second {
		t.Fatalf("standard = %v", s)
	}
	s, err = ParseSchedule("0s, 100ms,1s")
	if err != nil || len(s) != 3 || s[1] != 100*time.Millisecond {
		t.Fatalf("list = %v, %v", s, err)
	}
	for _, bad := range []string{"", "0s,,1s", "5", "soon", "1s,-1s"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		}
	}
}
