package kube

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Condition is one entry of status.conditions.
type Condition struct {
	Type, Status, Reason, Message string
}

// FindCondition selects a condition by type (never by position: a
// Certificate's conditions[0] may be Issuing: alpha-hack-program/llm-d-guide@1f391b7
// docs/phases/01-tls-cert-automation.md).
func FindCondition(obj *unstructured.Unstructured, condType string) (Condition, bool) {
	list, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		if t, _ := m["type"].(string); t == condType {
			c := Condition{Type: t}
			c.Status, _ = m["status"].(string)
			c.Reason, _ = m["reason"].(string)
			c.Message, _ = m["message"].(string)
			return c, true
		}
	}
	return Condition{}, false
}

// String reads a string field; missing or mistyped gives "".
func String(obj *unstructured.Unstructured, path ...string) string {
	s, _, _ := unstructured.NestedString(obj.Object, path...)
	return s
}

// Int reads an integer field that JSON may have decoded as int64 or float64.
func Int(obj *unstructured.Unstructured, path ...string) int64 {
	v, found, _ := unstructured.NestedFieldNoCopy(obj.Object, path...)
	if !found {
		return 0
	}
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}
