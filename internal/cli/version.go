package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
)

// Build information of the client, set at link time with
// -ldflags "-X github.com/flyte-go/flyte/internal/cli.Version=v1.2.3 ...".
// When unset, the Go module version and VCS data embedded by `go build`
// are used.
var (
	// Version is the release version.
	Version = ""
	// Build is the source revision.
	Build = ""
	// BuildTime is when the binary was built.
	BuildTime = ""
)

// clientVersion is the client's build information.
func clientVersion() *adminv1.Version {
	v := &adminv1.Version{Version: Version, Build: Build, BuildTime: BuildTime}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if v.Version == "" {
		v.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && v.Build == "":
			v.Build = s.Value
		case s.Key == "vcs.time" && v.BuildTime == "":
			v.BuildTime = s.Value
		}
	}
	return v
}

// versionCommand is `version`.
func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the client version and the server's",
		Args:  noArgs,
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			client := clientVersion()
			var server *adminv1.Version
			c, _, err := a.client(cmd)
			if err == nil {
				var resp *connect.Response[adminv1.GetVersionResponse]
				if resp, err = c.GetVersion(ctx, connect.NewRequest(&adminv1.GetVersionRequest{})); err == nil {
					server = resp.Msg.GetControlPlaneVersion()
				} else {
					err = fmt.Errorf("get server version: %w", err)
				}
			}
			// The client version is printed even when the server cannot
			// be reached: it is what a bug report needs first.
			if perr := a.printVersions(client, server); perr != nil {
				return perr
			}
			return err
		}),
	}
}

// printVersions prints the client and (when known) server versions.
func (a *app) printVersions(client, server *adminv1.Version) error {
	p := a.printer()
	if p.format == formatTable {
		t := table{header: []string{"COMPONENT", "VERSION", "BUILD", "BUILD_TIME"}}
		t.add("client", client.GetVersion(), client.GetBuild(), client.GetBuildTime())
		if server != nil {
			t.add("server", server.GetVersion(), server.GetBuild(), server.GetBuildTime())
		}
		return writeTable(p.w, t)
	}
	doc := map[string]json.RawMessage{}
	for name, v := range map[string]*adminv1.Version{"client": client, "server": server} {
		if v == nil {
			continue
		}
		js, err := protojson.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s version: %w", name, err)
		}
		doc[name] = js
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode versions: %w", err)
	}
	out, err := indentJSON(raw)
	if err != nil {
		return err
	}
	return p.writeJSON(out)
}
