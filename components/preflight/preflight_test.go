package preflight

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
)

// want is the part of a finding a case pins down; found is a substring.
type want struct {
	check, object string
	severity      Severity
	found         string
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(t *testing.T, f *fixture)
		react func(c *fake.FakeDynamicClient)
		opts  Options
		want  []want
	}{
		{
			name: "a healthy 4.21 AWS cluster passes with no findings",
			opts: Options{Platform: "aws"},
		},
		{
			name: "a 4.20 cluster fails the version check",
			edit: func(t *testing.T, f *fixture) { f.replace(clusterVersionObj("4.20.9")) },
			want: []want{{"openshiftVersion", "ClusterVersion version", Error, "4.20.9"}},
		},
		{
			name: "4.3 is older than 4.21 (numeric, not string, comparison)",
			edit: func(t *testing.T, f *fixture) { f.replace(clusterVersionObj("4.3.40")) },
			want: []want{{"openshiftVersion", "ClusterVersion version", Error, "4.3.40"}},
		},
		{
			name: "an upgrade to 4.21 still in progress is judged by the completed 4.20",
			edit: func(t *testing.T, f *fixture) {
				cv := clusterVersionObj("4.21.1")
				cv.Object["status"].(map[string]any)["history"] = []any{
					map[string]any{"state": "Partial", "version": "4.21.1"},
					map[string]any{"state": "Completed", "version": "4.20.12"},
				}
				f.replace(cv)
			},
			want: []want{{"openshiftVersion", "ClusterVersion version", Error, "4.20.12"}},
		},
		{
			name: "without history the desired version counts",
			edit: func(t *testing.T, f *fixture) {
				cv := clusterVersionObj("4.22.0")
				delete(cv.Object["status"].(map[string]any), "history")
				f.replace(cv)
			},
		},
		{
			name: "a higher minimum version is honoured",
			opts: Options{MinVersion: "4.22"},
			want: []want{{"openshiftVersion", "ClusterVersion version", Error, "4.21.3"}},
		},
		{
			name: "a user without cluster-admin fails the admin check",
			edit: func(t *testing.T, f *fixture) { f.admin = false },
			want: []want{{"clusterAdmin", "SelfSubjectAccessReview (verb * on */*)", Error, "no RBAC policy matched"}},
		},
		{
			name: "no default StorageClass is an error naming the candidates",
			edit: func(t *testing.T, f *fixture) { f.replace(storageClass("gp3-csi", false)) },
			want: []want{{"defaultStorageClass", "StorageClasses", Error, "gp2-csi, gp3-csi"}},
		},
		{
			name: "two default StorageClasses are only a warning",
			edit: func(t *testing.T, f *fixture) { f.replace(storageClass("gp2-csi", true)) },
			want: []want{{"defaultStorageClass", "StorageClasses", Warning, "2 default StorageClasses (gp2-csi, gp3-csi)"}},
		},
		{
			name: "a pull secret without registry.redhat.io fails",
			edit: func(t *testing.T, f *fixture) {
				f.replace(pullSecret(dockerConfig(t, "cloud.openshift.com", "quay.io", "registry.connect.redhat.com")))
			},
			want: []want{{"pullSecret", "Secret openshift-config/pull-secret", Error, "no auths entry for registry.redhat.io"}},
		},
		{
			name: "a registry.redhat.io entry without credentials fails",
			edit: func(t *testing.T, f *fixture) {
				f.replace(pullSecret(`{"auths":{"registry.redhat.io":{"email":"` + sentinel + `"},"quay.io":{"auth":"` + sentinel + `"}}}`))
			},
			want: []want{{"pullSecret", "Secret openshift-config/pull-secret", Error, "without credentials"}},
		},
		{
			name: "a pull secret that is not JSON fails without quoting it",
			edit: func(t *testing.T, f *fixture) { f.replace(pullSecret(sentinel + `{"auths":`)) },
			want: []want{{"pullSecret", "Secret openshift-config/pull-secret", Error, "not a JSON docker config"}},
		},
		{
			name: "a missing pull secret fails",
			edit: func(t *testing.T, f *fixture) { f.remove("Secret", "pull-secret") },
			want: []want{{"pullSecret", "Secret openshift-config/pull-secret", Error, "no such Secret"}},
		},
		{
			name: "an Open Data Hub Subscription fails",
			edit: func(t *testing.T, f *fixture) {
				f.replace(subscription("openshift-operators", "opendatahub-operator", "opendatahub-operator"))
			},
			want: []want{{"noOpenDataHub", "Subscription openshift-operators/opendatahub-operator", Error, "opendatahub-operator"}},
		},
		{
			name: "an Open Data Hub CSV, and its copies, fail once",
			edit: func(t *testing.T, f *fixture) {
				f.replace(csv("default", "opendatahub-operator.v2.25.0", "openshift-operators"))
				f.replace(csv("openshift-operators", "opendatahub-operator.v2.25.0", ""))
				f.replace(csv("kube-system", "opendatahub-operator.v2.25.0", "openshift-operators"))
			},
			want: []want{{"noOpenDataHub", "ClusterServiceVersion openshift-operators/opendatahub-operator.v2.25.0", Error, "Open Data Hub"}},
		},
		{
			name: "a Service Mesh 2 Subscription fails",
			edit: func(t *testing.T, f *fixture) {
				f.replace(subscription("openshift-operators", "servicemeshoperator", "servicemeshoperator"))
			},
			want: []want{{"noServiceMesh2", "Subscription openshift-operators/servicemeshoperator", Error, "Service Mesh 2.x"}},
		},
		{
			name: "a Service Mesh 2 CSV fails",
			edit: func(t *testing.T, f *fixture) {
				f.replace(csv("openshift-operators", "servicemeshoperator.v2.6.5", ""))
			},
			want: []want{{"noServiceMesh2", "ClusterServiceVersion openshift-operators/servicemeshoperator.v2.6.5", Error, "Service Mesh 2.x"}},
		},
		{
			name: "Service Mesh 3 (servicemeshoperator3) is fine",
			edit: func(t *testing.T, f *fixture) {
				f.replace(subscription("openshift-operators", "my-sm3", "servicemeshoperator3"))
				f.replace(csv("openshift-operators", "servicemeshoperator3.v3.2.0", ""))
			},
		},
		{
			name: "a bare-metal cluster fails the aws stack's platform check",
			edit: func(t *testing.T, f *fixture) { f.replace(infrastructure("BareMetal", "")) },
			opts: Options{Platform: "aws"},
			want: []want{{"platform", "Infrastructure cluster", Error, "platform BareMetal"}},
		},
		{
			name: "a bare-metal cluster passes when the stack is not aws",
			edit: func(t *testing.T, f *fixture) { f.replace(infrastructure("BareMetal", "")) },
			opts: Options{Platform: "baremetal"},
		},
		{
			name: "a forbidden Subscription list is a finding naming the permission",
			react: func(c *fake.FakeDynamicClient) {
				c.PrependReactor("list", "subscriptions", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "operators.coreos.com", Resource: "subscriptions"}, "",
						errors.New(`User "dev" cannot list resource "subscriptions" in API group "operators.coreos.com" at the cluster scope`))
				})
			},
			want: []want{{"conflictingOperators", "Subscriptions (all namespaces)", Error, `User "dev" cannot list`}},
		},
		{
			name: "a forbidden pull secret read is a finding, not a crash",
			react: func(c *fake.FakeDynamicClient) {
				c.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "pull-secret", errors.New("denied"))
				})
			},
			want: []want{{"pullSecret", "Secret openshift-config/pull-secret", Error, "access denied"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := healthy(t)
			if tc.edit != nil {
				tc.edit(t, f)
			}
			c := f.client()
			if tc.react != nil {
				tc.react(c)
			}
			r := Check(context.Background(), c, tc.opts)

			got := make([]want, len(r.Findings))
			for i, fd := range r.Findings {
				got[i] = want{fd.Check, fd.Object, fd.Severity, ""}
				assert.NotEmpty(t, fd.Expected, "finding %d has no expected value", i)
				assert.NotEmpty(t, fd.Fix, "finding %d has no fix", i)
			}
			expect := make([]want, len(tc.want))
			for i, w := range tc.want {
				expect[i] = want{w.check, w.object, w.severity, ""}
				if i < len(r.Findings) {
					assert.Contains(t, r.Findings[i].Found, w.found)
				}
			}
			assert.Equal(t, expect, got)
			assertNoSecret(t, r)

			hasErr := false
			for _, w := range tc.want {
				hasErr = hasErr || w.severity == Error
			}
			if hasErr {
				require.Error(t, r.Err())
				assert.ErrorIs(t, r.Err(), ErrFailed)
			} else {
				assert.NoError(t, r.Err())
			}
			if tc.name == "a forbidden Subscription list is a finding naming the permission" {
				assert.Contains(t, r.Findings[0].Expected, "permission to list subscriptions.operators.coreos.com in all namespaces")
			}
		})
	}
}

func TestCheck_reportsEveryFailureInOneError(t *testing.T) {
	f := healthy(t)
	f.admin = false
	f.replace(clusterVersionObj("4.20.9"))
	f.replace(storageClass("gp3-csi", false))
	f.replace(pullSecret(dockerConfig(t, "quay.io")))
	f.replace(subscription("odh", "opendatahub-operator", "opendatahub-operator"))
	f.replace(subscription("openshift-operators", "servicemeshoperator", "servicemeshoperator"))
	f.replace(infrastructure("None", ""))

	r := Check(context.Background(), f.client(), Options{Platform: "aws"})
	err := r.Err()
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrFailed)
	lines := strings.Split(err.Error(), "\n")
	prefixes := []string{
		"preflight: openshiftVersion: ClusterVersion version: found 4.20.9, expected OpenShift 4.21 or later; ",
		"preflight: clusterAdmin: SelfSubjectAccessReview (verb * on */*): found ",
		"preflight: defaultStorageClass: StorageClasses: found no default StorageClass among gp2-csi, gp3-csi, expected ",
		"preflight: pullSecret: Secret openshift-config/pull-secret: found no auths entry for registry.redhat.io, expected ",
		"preflight: noOpenDataHub: Subscription odh/opendatahub-operator: found ",
		"preflight: noServiceMesh2: Subscription openshift-operators/servicemeshoperator: found ",
		"preflight: platform: Infrastructure cluster: found platform None, expected platform AWS ",
	}
	require.Len(t, lines, len(prefixes), err.Error())
	for i, p := range prefixes {
		assert.True(t, strings.HasPrefix(lines[i], p), "line %d:\n%s\nwant prefix:\n%s", i, lines[i], p)
	}
	assert.Contains(t, lines[6], "the aws-dev stack needs an AWS cluster; use the baremetal stack")
	assertNoSecret(t, r)
}

func TestCheck_warningsDoNotFail(t *testing.T) {
	f := healthy(t)
	f.replace(storageClass("gp2-csi", true))
	r := Check(context.Background(), f.client(), Options{})
	assert.NoError(t, r.Err())
	assert.Len(t, r.Warnings(), 1)
	assert.Empty(t, r.Errors())
}

func TestCheck_badMinVersionIsAFinding(t *testing.T) {
	r := Check(context.Background(), healthy(t).client(), Options{MinVersion: "four"})
	require.Len(t, r.Findings, 1)
	assert.Equal(t, "options", r.Findings[0].Check)
	assert.Error(t, r.Err())
}

func TestParseMajorMinor(t *testing.T) {
	cases := []struct {
		in         string
		maj, minor int
		ok         bool
	}{
		{"4.21", 4, 21, true},
		{"4.21.3", 4, 21, true},
		{"4.3", 4, 3, true},
		{"v4.22.0-ec.2", 4, 22, true},
		{"4.21-rc", 4, 21, true},
		{"4", 0, 0, false},
		{"", 0, 0, false},
		{"x.y", 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			maj, minor, ok := parseMajorMinor(tc.in)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.maj, maj)
			assert.Equal(t, tc.minor, minor)
		})
	}
}

// assertNoSecret fails if any rendering of the report holds pull-secret data.
func assertNoSecret(t *testing.T, r Report) {
	t.Helper()
	var all []string
	for _, f := range r.Findings {
		all = append(all, f.String(), f.Check, f.Object, f.Found, f.Expected, f.Fix)
	}
	if err := r.Err(); err != nil {
		all = append(all, err.Error())
	}
	text := strings.Join(all, "\n")
	assert.NotContains(t, text, sentinel)
	assert.NotContains(t, text, "dXNlcjpTRU5USU5FTC") // base64("user:SENTINEL")
	assert.NotContains(t, text, "quay.io", "other registries in the secret are not reported")
	assert.NotContains(t, text, "cloud.openshift.com")
}
