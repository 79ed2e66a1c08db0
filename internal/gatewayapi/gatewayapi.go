// Package gatewayapi holds the typed bodies of the ingress objects the
// serving and MaaS layers both create: a gateway.networking.k8s.io/v1
// Gateway and the route.openshift.io/v1 Route in front of it. json tags are
// as the CRDs spell the fields. No Pulumi import: manifest.Untyped converts
// them.
//
// Optional parts are pointers with omitempty, so a layer that does not set
// one writes nothing for it.
package gatewayapi

// GatewaySpec is gateway.networking.k8s.io/v1 Gateway.spec.
type GatewaySpec struct {
	GatewayClassName string                 `json:"gatewayClassName"`
	Infrastructure   *GatewayInfrastructure `json:"infrastructure,omitempty"`
	Listeners        []Listener             `json:"listeners"`
}

// GatewayInfrastructure points at the Service override ConfigMap.
type GatewayInfrastructure struct {
	ParametersRef LocalRef `json:"parametersRef"`
}

// LocalRef is a group/kind/name reference; group "" (core) is written out.
type LocalRef struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
}

// Listener is one Gateway listener.
type Listener struct {
	Name          string        `json:"name"`
	Hostname      string        `json:"hostname"`
	Port          int           `json:"port"`
	Protocol      string        `json:"protocol"`
	TLS           ListenerTLS   `json:"tls"`
	AllowedRoutes AllowedRoutes `json:"allowedRoutes"`
}

// ListenerTLS terminates TLS with the referenced secrets.
type ListenerTLS struct {
	Mode            string           `json:"mode"`
	CertificateRefs []CertificateRef `json:"certificateRefs"`
}

// CertificateRef is a certificateRefs entry: a Secret in the Gateway's
// namespace. Group nil leaves the group out (the API defaults it to "",
// core); CoreGroup() writes it out.
type CertificateRef struct {
	Group *string `json:"group,omitempty"`
	Kind  string  `json:"kind"`
	Name  string  `json:"name"`
}

// CoreGroup is the core API group "", for a CertificateRef that spells it.
func CoreGroup() *string {
	core := ""
	return &core
}

// AllowedRoutes says which namespaces may attach routes.
type AllowedRoutes struct {
	Namespaces RouteNamespaces `json:"namespaces"`
}

// RouteNamespaces is allowedRoutes.namespaces: From "All", "Same", or
// "Selector" with Selector.
type RouteNamespaces struct {
	From     string         `json:"from"`
	Selector *LabelSelector `json:"selector,omitempty"`
}

// LabelSelector is a metav1.LabelSelector with expressions only.
type LabelSelector struct {
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions"`
}

// LabelSelectorRequirement is one expression.
type LabelSelectorRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

// RouteSpec is route.openshift.io/v1 Route.spec.
type RouteSpec struct {
	Host           string      `json:"host"`
	To             RouteTarget `json:"to"`
	Port           RoutePort   `json:"port"`
	TLS            RouteTLS    `json:"tls"`
	WildcardPolicy string      `json:"wildcardPolicy"`
}

// RouteTarget is Route.spec.to.
type RouteTarget struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Weight int    `json:"weight"`
}

// RoutePort is Route.spec.port.
type RoutePort struct {
	TargetPort string `json:"targetPort"`
}

// RouteTLS is Route.spec.tls.
type RouteTLS struct {
	Termination                   string `json:"termination"`
	InsecureEdgeTerminationPolicy string `json:"insecureEdgeTerminationPolicy"`
}
