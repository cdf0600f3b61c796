package deploy

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// composeService is the part of a service docker-compose config prints that
// the tests look at.
type composeService struct {
	Image       string            `yaml:"image"`
	Build       *composeBuild     `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Ports       []composePort     `yaml:"ports"`
	NetworkMode string            `yaml:"network_mode"`
	Restart     string            `yaml:"restart"`
	DependsOn   dependsOn         `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

// composePort is a published port as HOST_IP:PUBLISHED:TARGET/PROTOCOL
// (HOST_IP empty for every interface), whichever syntax docker-compose
// printed it in.
type composePort string

func (p *composePort) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*p = composePort(n.Value)
		return nil
	}
	var long struct {
		HostIP    string `yaml:"host_ip"`
		Published string `yaml:"published"`
		Target    string `yaml:"target"`
		Protocol  string `yaml:"protocol"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	if long.Protocol == "" {
		long.Protocol = "tcp"
	}
	*p = composePort(fmt.Sprintf("%s:%s:%s/%s", long.HostIP, long.Published, long.Target, long.Protocol))
	return nil
}

// dependsOn maps a service to the condition waited for; the short list
// form waits only for the start ("service_started").
type dependsOn map[string]struct {
	Condition string `yaml:"condition"`
}

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		var names []string
		if err := n.Decode(&names); err != nil {
			return err
		}
		*d = dependsOn{}
		for _, name := range names {
			(*d)[name] = struct {
				Condition string `yaml:"condition"`
			}{"service_started"}
		}
		return nil
	}
	var m map[string]struct {
		Condition string `yaml:"condition"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	*d = m
	return nil
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

// composeConfig runs Debian's docker-compose (v1, no Docker engine needed)
// on the repository's docker-compose.yml with only env set, and returns its
// output and whether it accepted the file.
func composeConfig(t *testing.T, env ...string) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Fatal("docker-compose not found; install it with `sudo apt-get install -y docker-compose` (make test does this)")
	}
	dir := root(t)
	cmd := exec.Command(bin, "--project-directory", dir, "-f", filepath.Join(dir, "docker-compose.yml"), "config")
	cmd.Env = environ(env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("docker-compose: %v", err)
	}
	if err != nil {
		return stderr.String(), false
	}
	return stdout.String(), true
}

// docker-compose.yml keeps DESIGN §12's promises: only the shop's and the
// gateway's ports are published (on loopback), Redis has a password that the
// gateway is given and no published port, ADMIN_TOKEN must be given, and the
// shop waits for a healthy gateway.
func TestCompose_SafeDefaults(t *testing.T) {
	const token, password = "adm_compose_test_0123456789", "redisPw0123456789"
	out, ok := composeConfig(t, "ADMIN_TOKEN="+token, "REDIS_PASSWORD="+password)
	if !ok {
		t.Fatalf("docker-compose config refused the file:\n%s", out)
	}
	var cfg struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatalf("parse docker-compose config output: %v\n%s", err, out)
	}
	redis, gateway, shop := cfg.Services["redis"], cfg.Services["gateway"], cfg.Services["shop"]
	if len(cfg.Services) != 3 || redis.Image == "" || gateway.Command == nil || shop.Command == nil {
		t.Fatalf("services = %v, want redis, gateway and shop", slices.Sorted(maps.Keys(cfg.Services)))
	}

	t.Run("only the shop and gateway ports, on loopback", func(t *testing.T) {
		var published []string
		for name, s := range cfg.Services {
			for _, p := range s.Ports {
				published = append(published, name+" "+string(p))
			}
		}
		slices.Sort(published)
		want := []string{"redis 127.0.0.1:8080:8080/tcp", "redis 127.0.0.1:8081:8081/tcp"}
		if !slices.Equal(published, want) {
			t.Errorf("published ports %q, want %q (the shared namespace's owner publishes the shop's and the gateway's)", published, want)
		}
		for _, p := range published {
			if strings.Contains(p, "6379") {
				t.Errorf("Redis is published: %s", p)
			}
		}
		for _, name := range []string{"gateway", "shop"} {
			if cfg.Services[name].NetworkMode != "service:redis" {
				t.Errorf("%s network_mode = %q, want service:redis (so localhost is shared)", name, cfg.Services[name].NetworkMode)
			}
		}
	})
	t.Run("redis needs the password and listens inside the stack only", func(t *testing.T) {
		if !containsSeq(redis.Command, "--requirepass", password) {
			t.Errorf("redis command %q has no --requirepass with REDIS_PASSWORD", redis.Command)
		}
		if !containsSeq(redis.Command, "--bind", "127.0.0.1") {
			t.Errorf("redis command %q does not bind loopback only", redis.Command)
		}
		if got := gateway.Environment["REDIS_URL"]; !strings.Contains(got, ":"+password+"@") {
			t.Errorf("gateway REDIS_URL = %q, want the password in it", got)
		}
	})
	t.Run("admin token passed on", func(t *testing.T) {
		if got := gateway.Environment["ADMIN_TOKEN"]; got != token {
			t.Errorf("gateway ADMIN_TOKEN = %q, want %q", got, token)
		}
	})
	t.Run("health checks and start order", func(t *testing.T) {
		for name, port := range map[string]string{"gateway": "8081", "shop": "8080"} {
			hc := cfg.Services[name].Healthcheck
			if hc == nil || !strings.Contains(strings.Join(hc.Test, " "), "127.0.0.1:"+port+"/readyz") {
				t.Errorf("%s health check = %+v, want one on :%s/readyz", name, hc, port)
			}
		}
		if c := shop.DependsOn["gateway"].Condition; c != "service_healthy" {
			t.Errorf("shop depends on the gateway with condition %q, want service_healthy", c)
		}
		if c := gateway.DependsOn["redis"].Condition; c != "service_healthy" {
			t.Errorf("gateway depends on redis with condition %q, want service_healthy", c)
		}
		if shop.Restart != "" {
			t.Errorf("shop restart = %q: it should wait for a healthy gateway, not restart until it answers", shop.Restart)
		}
	})
	t.Run("builds from this repository's Dockerfile", func(t *testing.T) {
		for _, name := range []string{"gateway", "shop"} {
			b := cfg.Services[name].Build
			if b == nil {
				t.Errorf("%s has no build section", name)
				continue
			}
			df := b.Dockerfile
			if df == "" {
				df = "Dockerfile"
			}
			if _, err := os.Stat(filepath.Join(b.Context, df)); err != nil {
				t.Errorf("%s: build context %s has no %s: %v", name, b.Context, df, err)
			}
			if filepath.Clean(b.Context) != root(t) {
				t.Errorf("%s: build context %s, want the repository %s", name, b.Context, root(t))
			}
		}
	})
}

// Without ADMIN_TOKEN or REDIS_PASSWORD, docker compose refuses to start
// and says which variable is missing.
func TestCompose_RequiredVariables(t *testing.T) {
	for _, tc := range []struct {
		missing string
		env     []string
	}{
		{"ADMIN_TOKEN", []string{"REDIS_PASSWORD=redisPw0123456789"}},
		{"REDIS_PASSWORD", []string{"ADMIN_TOKEN=adm_compose_test_0123456789"}},
	} {
		t.Run(tc.missing, func(t *testing.T) {
			out, ok := composeConfig(t, tc.env...)
			if ok {
				t.Fatalf("docker-compose config accepted the file without %s", tc.missing)
			}
			if !strings.Contains(out, tc.missing) {
				t.Errorf("the error does not name %s:\n%s", tc.missing, out)
			}
		})
	}
}

func containsSeq(list []string, a, b string) bool {
	for i := 0; i+1 < len(list); i++ {
		if list[i] == a && list[i+1] == b {
			return true
		}
	}
	return false
}
