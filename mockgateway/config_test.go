package main

import (
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/mockgateway/internal/gateway"
	"github.com/paysandbox/paysandbox/mockgateway/internal/server"
	"github.com/paysandbox/paysandbox/shared/envconfig"
)

// A protocol's retry schedule is NOTIFY_SCHEDULE_<PROTOCOL>, else
// NOTIFY_SCHEDULE, else the protocol's preset (DESIGN §2, §10).
func TestLoadConfig_SchedulePrecedence(t *testing.T) {
	protos := []server.Protocol{{Name: "native", Preset: "wechat"}, {Name: "alipay", Preset: "alipay"}, {Name: "stripe", Preset: "standard"}}
	sch := func(s string) gateway.Schedule {
		out, err := gateway.ParseSchedule(s)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	tests := []struct {
		name string
		env  map[string]string
		want map[string]gateway.Schedule // a protocol missing here uses its preset
	}{
		{"Presets", map[string]string{}, map[string]gateway.Schedule{}},
		{"OneForAll", map[string]string{"NOTIFY_SCHEDULE": "0s,1s"},
			map[string]gateway.Schedule{"native": sch("0s,1s"), "alipay": sch("0s,1s"), "stripe": sch("0s,1s")}},
		{"PerProtocolWins", map[string]string{"NOTIFY_SCHEDULE": "0s,1s", "NOTIFY_SCHEDULE_ALIPAY": "alipay", "NOTIFY_SCHEDULE_NATIVE": "0s"},
			map[string]gateway.Schedule{"native": sch("0s"), "alipay": sch("alipay"), "stripe": sch("0s,1s")}},
		{"PerProtocolAlone", map[string]string{"NOTIFY_SCHEDULE_STRIPE": "0s,2s,3s"},
			map[string]gateway.Schedule{"stripe": {0, 2 * time.Second, 3 * time.Second}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadConfig(envconfig.FromMap(tc.env), nil, protos)
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Schedules) != len(tc.want) {
				t.Fatalf("schedules %v, want %v", cfg.Schedules, tc.want)
			}
			for p, want := range tc.want {
				if got := cfg.Schedules[p]; len(got) != len(want) || (len(got) > 0 && got[len(got)-1] != want[len(want)-1]) {
					t.Errorf("%s: %v, want %v", p, got, want)
				}
			}
		})
	}
	t.Run("BadPerProtocolNamed", func(t *testing.T) {
		_, err := loadConfig(envconfig.FromMap(map[string]string{"NOTIFY_SCHEDULE_ALIPAY": "soon"}), nil, protos)
		if err == nil || !strings.Contains(err.Error(), "NOTIFY_SCHEDULE_ALIPAY") {
			t.Fatalf("error %v does not name NOTIFY_SCHEDULE_ALIPAY", err)
		}
	})
}
