package connectivity

// GatewayClassSpec is gateway.networking.k8s.io/v1 GatewayClass.spec.
type GatewayClassSpec struct {
	ControllerName string `json:"controllerName"`
}

// KuadrantSpec is kuadrant.io/v1beta1 Kuadrant.spec (field names per
// kuadrant-operator api/v1beta1/kuadrant_types.go).
type KuadrantSpec struct {
	Observability KuadrantObservability `json:"observability"`
}

// KuadrantObservability is Kuadrant.spec.observability.
type KuadrantObservability struct {
	Enable bool `json:"enable"`
}
