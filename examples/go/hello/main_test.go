package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/sdk/flyte"
)

func TestHello(t *testing.T) {
	t.Parallel()
	out, err := flyte.Run(t.Context(), Hello, HelloIn{Name: "Flyte"})
	require.NoError(t, err)
	require.Equal(t, "HELLO, FLYTE!", out.Message)

	_, err = flyte.Run(t.Context(), Hello, HelloIn{})
	require.ErrorContains(t, err, "a name is needed")
}

func TestGreetAll(t *testing.T) {
	t.Parallel()
	out, err := flyte.Run(t.Context(), GreetAll, GreetAllIn{Names: []string{"Ada", "Grace"}})
	require.NoError(t, err)
	require.Equal(t, []string{"Hello, Ada!", "Hello, Grace!"}, out.Greetings)
}

func TestDefinitions(t *testing.T) {
	t.Parallel()
	for _, e := range []interface{ Err() error }{Greet, Shout, Hello, GreetAll, Hourly} {
		require.NoError(t, e.Err())
	}
}
