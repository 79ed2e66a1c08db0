package ocpsim

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestFakeClient_behavesLikeAnAPIServer(t *testing.T) {
	ctx := context.Background()
	c := NewFakeClient()
	r := c.Resource(gvrSubscriptions).Namespace("ns")
	sub := obj("operators.coreos.com/v1alpha1", "Subscription", "ns", "s", map[string]any{"channel": "a"})
	sub.Object["status"] = map[string]any{"state": "ignored on create"}
	created, err := r.Create(ctx, sub, metav1.CreateOptions{})
	require.NoError(t, err)
	assert.NotEmpty(t, created.GetUID())
	assert.Equal(t, int64(1), created.GetGeneration())
	assert.Nil(t, created.Object["status"], "status is a subresource")

	// A status write does not touch the spec or the generation.
	created.Object["status"] = map[string]any{"state": "AtLatestKnown"}
	created.Object["spec"] = map[string]any{"channel": "ignored"}
	st, err := r.UpdateStatus(ctx, created, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "a", str(st, "spec", "channel"))
	assert.Equal(t, "AtLatestKnown", str(st, "status", "state"))

	// A stale write conflicts; a spec change bumps the generation.
	_, err = r.Update(ctx, created, metav1.UpdateOptions{})
	assert.True(t, apierrors.IsConflict(err))
	set(st, "b", "spec", "channel")
	up, err := r.Update(ctx, st, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(2), up.GetGeneration())
	assert.Equal(t, "AtLatestKnown", str(up, "status", "state"), "a main-resource write keeps the status")

	// Finalizers hold deletion until removed.
	up.SetFinalizers([]string{"x"})
	up, err = r.Update(ctx, up, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.NoError(t, r.Delete(ctx, "s", metav1.DeleteOptions{}))
	held, err := r.Get(ctx, "s", metav1.GetOptions{})
	require.NoError(t, err)
	assert.NotNil(t, held.GetDeletionTimestamp())
	held.SetFinalizers(nil)
	_, err = r.Update(ctx, held, metav1.UpdateOptions{})
	require.NoError(t, err)
	_, err = r.Get(ctx, "s", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err))
}

func TestRequests_areCounted(t *testing.T) {
	f := newFixture(t)
	before := f.sim.Requests()
	require.NoError(t, f.sim.Step(f.ctx))
	after := f.sim.Requests()
	assert.Greater(t, after.Total, before.Total)
	assert.Greater(t, after.ByVerb["list"], before.ByVerb["list"])
	assert.NotEmpty(t, after.Top(3))
	assert.Contains(t, after.ByResource, "list subscriptions.operators.coreos.com")
}

func TestWrittenSince(t *testing.T) {
	before := RequestStats{ByResource: map[string]int64{"list pods": 3, "update pods/status": 1}}
	after := RequestStats{ByResource: map[string]int64{"list pods": 9, "update pods/status": 2, "create nodes": 1}}
	assert.Equal(t, []string{"create nodes", "update pods/status"}, writtenSince(before, after))
	assert.Empty(t, writtenSince(after, after), "a settled pass writes nothing")
}
