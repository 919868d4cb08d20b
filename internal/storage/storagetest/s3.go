// Package storagetest provides helpers for tests that need a real object
// store: StartS3 runs a versitygw S3 server over a temporary directory. Only
// tests import it, which keeps versitygw out of the platform binaries.
package storagetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flyte-go/flyte/internal/storage"
)

// Bucket is the name of the bucket StartS3 creates.
const Bucket = "flyte-test"

// versitygwPackage is built from the version pinned in go.mod's tool section.
const versitygwPackage = "github.com/versity/versitygw/cmd/versitygw"

const (
	buildTimeout   = 10 * time.Minute
	startTimeout   = 30 * time.Second
	stopTimeout    = 10 * time.Second
	pollInterval   = 20 * time.Millisecond
	startAttempts  = 3
	requestTimeout = 10 * time.Second
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// StartS3 starts a real S3 server (versitygw with its posix backend over
// t.TempDir()) on a free loopback port, creates the bucket Bucket, stops
// the server when the test ends, and returns a URL for storage.Open with the
// endpoint and path-style addressing set, plus the static credentials to
// pass with it. The versitygw binary is built once per go.mod/go.sum content
// and cached under os.TempDir(). Any failure, including a failed build,
// fails the test: S3 support is claimed, so it is never skipped.
func StartS3(t testing.TB) (string, storage.Options) {
	t.Helper()
	bin, err := versitygwBinary()
	if err != nil {
		t.Fatalf("storagetest: %v", err)
	}
	creds := storage.Options{AccessKeyID: randomHex(t, 10), SecretAccessKey: randomHex(t, 20)}
	root := t.TempDir()
	var endpoint string
	for attempt := 1; ; attempt++ {
		endpoint, err = startServer(t, bin, root, creds)
		if err == nil {
			break
		}
		// Another process may take the port between choosing and binding it.
		if attempt == startAttempts {
			t.Fatalf("storagetest: start versitygw: %v", err)
		}
		t.Logf("storagetest: start versitygw (attempt %d): %v", attempt, err)
	}
	if err := createBucket(endpoint, creds); err != nil {
		t.Fatalf("storagetest: %v", err)
	}
	return "s3://" + Bucket + "?endpoint=" + endpoint + "&region=us-east-1&use_path_style=true", creds
}

// versitygwBinary builds versitygw once per test binary into a cache
// directory keyed by the module's go.mod and go.sum.
func versitygwBinary() (string, error) {
	buildOnce.Do(func() {
		buildPath, buildErr = buildVersitygw()
	})
	return buildPath, buildErr
}

func buildVersitygw() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("find the go command to build versitygw: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("locate go.mod: %w", err)
	}
	goMod := strings.TrimSpace(string(out))
	if goMod == "" || goMod == os.DevNull {
		return "", errors.New("locate go.mod: not inside a module")
	}
	hash := sha256.New()
	for _, name := range []string{goMod, filepath.Join(filepath.Dir(goMod), "go.sum")} {
		data, err := os.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("hash module files: %w", err)
		}
		hash.Write(data)
	}
	dir := filepath.Join(os.TempDir(), "flyte-storagetest")
	bin := filepath.Join(dir, "versitygw-"+hex.EncodeToString(hash.Sum(nil))[:16])
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create build cache: %w", err)
	}
	// Several test binaries may build at once: each builds to its own name
	// and renames, which is atomic, so none sees a partial binary.
	tmp, err := os.CreateTemp(dir, "build-*")
	if err != nil {
		return "", fmt.Errorf("create build output: %w", err)
	}
	_ = tmp.Close()
	defer os.Remove(tmp.Name())
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", tmp.Name(), versitygwPackage)
	cmd.Dir = filepath.Dir(goMod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build versitygw: %w\n%s", err, out)
	}
	if err := os.Rename(tmp.Name(), bin); err != nil {
		return "", fmt.Errorf("install versitygw: %w", err)
	}
	return bin, nil
}

// startServer runs versitygw on a free port and waits until it accepts
// connections. It returns the endpoint URL.
func startServer(t testing.TB, bin, root string, creds storage.Options) (string, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin,
		"--port", addr,
		"--quiet",
		"posix", root)
	// Credentials go through the environment so they do not show in ps.
	cmd.Env = append(os.Environ(),
		"ROOT_ACCESS_KEY_ID="+creds.AccessKeyID,
		"ROOT_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
	)
	output := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = output, output
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("run %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		conn, dialErr := net.DialTimeout("tcp", addr, time.Second)
		if dialErr == nil {
			_ = conn.Close()
			break
		}
		select {
		case err := <-exited:
			return "", fmt.Errorf("versitygw exited before listening on %s: %v\n%s", addr, err, output.String())
		case <-deadline.C:
			stop(cmd, exited)
			return "", fmt.Errorf("versitygw did not listen on %s within %s\n%s", addr, startTimeout, output.String())
		case <-tick.C:
		}
	}
	t.Cleanup(func() {
		if err := stop(cmd, exited); err != nil {
			t.Errorf("storagetest: stop versitygw: %v\n%s", err, output.String())
		}
	})
	return "http://" + addr, nil
}

// stop interrupts the server and waits for it to exit, killing it if it
// does not stop in time.
func stop(cmd *exec.Cmd, exited <-chan error) error {
	_ = cmd.Process.Signal(os.Interrupt)
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-exited:
		// An exit status caused by the interrupt is the expected end.
		return nil
	case <-timer.C:
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("did not exit within %s of an interrupt; killed", stopTimeout)
	}
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

// createBucket creates Bucket through the S3 API, as a real deployment's
// operator would.
func createBucket(endpoint string, creds storage.Options) error {
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, ""),
	})
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(Bucket)}); err != nil {
		return fmt.Errorf("create bucket %s at %s: %w", Bucket, endpoint, err)
	}
	return nil
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("storagetest: random credentials: %v", err)
	}
	return hex.EncodeToString(b)
}

// lockedBuffer collects the server's output from two writers at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
