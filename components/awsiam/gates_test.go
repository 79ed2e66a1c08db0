package awsiam

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/tests/kubetest"
)

func credentialsRequest(generation int64, status map[string]any) *unstructured.Unstructured {
	cr := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cloudcredential.openshift.io/v1",
		"kind":       "CredentialsRequest",
		"metadata":   map[string]any{"name": "cert-manager", "namespace": "openshift-cloud-credential-operator", "generation": generation},
	}}
	if status != nil {
		cr.Object["status"] = status
	}
	return cr
}

func condition(t, status, reason, msg string) map[string]any {
	return map[string]any{"type": t, "status": status, "reason": reason, "message": msg}
}

func credsSecret(keys ...string) *unstructured.Unstructured {
	data := map[string]any{}
	for _, k := range keys {
		data[k] = "c2VjcmV0" // base64, never printed
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "aws-creds", "namespace": "cert-manager"},
		"data":     data,
	}}
}

func client(objs ...runtime.Object) dynamic.Interface {
	return kubetest.ClientWith(map[schema.GroupVersionResource]string{CredentialsRequests: "CredentialsRequestList"}, objs...)
}

func TestCredentialsProvisioned(t *testing.T) {
	provisioned := map[string]any{"provisioned": true, "lastSyncGeneration": int64(2)}
	cases := []struct {
		name      string
		objs      []runtime.Object
		ready     bool
		terminal  bool
		wantParts []string
	}{
		{
			name:  "ready when provisioned for the current generation and the Secret holds both keys",
			objs:  []runtime.Object{credentialsRequest(2, provisioned), credsSecret("aws_access_key_id", "aws_secret_access_key")},
			ready: true,
		},
		{
			name:      "not yet when the CredentialsRequest is missing",
			wantParts: []string{"CredentialsRequest openshift-cloud-credential-operator/cert-manager not found"},
		},
		{
			name:      "not yet while provisioned is false",
			objs:      []runtime.Object{credentialsRequest(1, map[string]any{"provisioned": false})},
			wantParts: []string{"provisioned=false", "lastSyncGeneration 0 of generation 1"},
		},
		{
			name:      "not yet while CCO has synced an older generation",
			objs:      []runtime.Object{credentialsRequest(3, provisioned), credsSecret("aws_access_key_id", "aws_secret_access_key")},
			wantParts: []string{"lastSyncGeneration 2 of generation 3"},
		},
		{
			name:      "not yet while the Secret is missing",
			objs:      []runtime.Object{credentialsRequest(2, provisioned)},
			wantParts: []string{"Secret cert-manager/aws-creds not written yet"},
		},
		{
			name:      "not yet while the Secret lacks the secret key",
			objs:      []runtime.Object{credentialsRequest(2, provisioned), credsSecret("aws_access_key_id")},
			wantParts: []string{"has no key aws_secret_access_key"},
		},
		{
			name: "a missing target namespace is waited out, with CCO's message",
			objs: []runtime.Object{credentialsRequest(1, map[string]any{"provisioned": false, "conditions": []any{
				condition("MissingTargetNamespace", "True", "NamespaceMissing", "target namespace cert-manager not found"),
			}})},
			wantParts: []string{"MissingTargetNamespace: target namespace cert-manager not found"},
		},
		{
			name: "terminal on InsufficientCloudCreds with CCO's message",
			objs: []runtime.Object{credentialsRequest(1, map[string]any{"provisioned": false, "conditions": []any{
				condition("InsufficientCloudCreds", "True", "CloudCredsInsufficient", "cloud creds are insufficient to satisfy CredentialsRequest"),
			}})},
			terminal:  true,
			wantParts: []string{"InsufficientCloudCreds=True (CloudCredsInsufficient): cloud creds are insufficient to satisfy CredentialsRequest"},
		},
		{
			name: "terminal on CredentialsProvisionFailure with CCO's message",
			objs: []runtime.Object{credentialsRequest(1, map[string]any{"provisioned": false, "conditions": []any{
				condition("InsufficientCloudCreds", "False", "", ""),
				condition("CredentialsProvisionFailure", "True", "CredentialsProvisionFailure", "failed to grant creds: AccessDenied: iam:CreateUser"),
			}})},
			terminal:  true,
			wantParts: []string{"CredentialsProvisionFailure=True", "AccessDenied: iam:CreateUser"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := credentialsProvisioned(CCONamespace, CredentialsRequestName, "cert-manager", "aws-creds")(context.Background(), client(tc.objs...))
			require.NoError(t, err)
			assert.Equal(t, tc.ready, st.Ready, st.Message)
			assert.Equal(t, tc.terminal, st.Terminal, st.Message)
			for _, p := range tc.wantParts {
				assert.Contains(t, st.Message, p)
			}
			assert.NotContains(t, st.Message, "c2VjcmV0", "never print secret data")
		})
	}
}

func waiter(c dynamic.Interface) *readiness.Waiter {
	return kubetest.Waiter(c, kubetest.NewClock(), kubetest.Pacing(2*time.Second, 30*time.Second))
}

func TestCredentialsProvisionedGate_wait(t *testing.T) {
	gate := credentialsProvisionedGate(Route53AccessArgs{Namespace: "cert-manager", SecretName: "aws-creds"})
	assert.Equal(t, CredentialsProvisionedGate, gate.Name)
	assert.Equal(t, 10*time.Minute, gate.Timeout)

	t.Run("passes once provisioned", func(t *testing.T) {
		w := waiter(client(credentialsRequest(1, map[string]any{"provisioned": true, "lastSyncGeneration": int64(1)}), credsSecret("aws_access_key_id", "aws_secret_access_key")))
		require.NoError(t, w.Wait(context.Background(), gate))
	})
	t.Run("fails at once on InsufficientCloudCreds", func(t *testing.T) {
		w := waiter(client(credentialsRequest(1, map[string]any{"conditions": []any{
			condition("InsufficientCloudCreds", "True", "CloudCredsInsufficient", "cloud creds are insufficient"),
		}})))
		err := w.Wait(context.Background(), gate)
		require.Error(t, err)
		assert.True(t, errors.Is(err, readiness.ErrTerminal), err)
		assert.Contains(t, err.Error(), "awsiam: gate credentialsProvisioned (C2)")
		assert.Contains(t, err.Error(), "cloud creds are insufficient")
		assert.EqualValues(t, 1, w.Requests())
	})
	t.Run("times out after 10 minutes naming what it saw last", func(t *testing.T) {
		w := waiter(client(credentialsRequest(1, map[string]any{"provisioned": false})))
		err := w.Wait(context.Background(), gate)
		require.Error(t, err)
		assert.True(t, errors.Is(err, readiness.ErrTimeout), err)
		assert.Contains(t, err.Error(), "after 10m0s")
		assert.Contains(t, err.Error(), "provisioned=false")
	})
}
