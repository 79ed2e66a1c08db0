package tls

// Typed bodies of the objects this layer writes, json tags as in the CRDs:
// CertManager (operator.openshift.io/v1alpha1), ClusterIssuer and Certificate
// (cert-manager.io/v1), IngressController (operator.openshift.io/v1) and
// APIServer (config.openshift.io/v1).

// ManagementState is an OpenShift operator's spec.managementState.
type ManagementState string

// Managed: the operator reconciles its operand.
const Managed ManagementState = "Managed"

// CertManagerSpec is the part of CertManager cluster's spec this layer owns.
type CertManagerSpec struct {
	ManagementState  ManagementState        `json:"managementState"`
	ControllerConfig *CertManagerDeployment `json:"controllerConfig,omitempty"`
}

// CertManagerDeployment is spec.controllerConfig: overrides the operator
// merges into the cert-manager Deployment (args by flag name, then sorted).
type CertManagerDeployment struct {
	OverrideArgs []string `json:"overrideArgs,omitempty"`
}

// ClusterIssuerSpec is cert-manager.io/v1 ClusterIssuer.spec (ACME only).
type ClusterIssuerSpec struct {
	ACME ACMEIssuer `json:"acme"`
}

// ACMEIssuer is spec.acme.
type ACMEIssuer struct {
	Server              string               `json:"server"`
	Email               string               `json:"email,omitempty"`
	PrivateKeySecretRef LocalObjectReference `json:"privateKeySecretRef"`
	Solvers             []ACMESolver         `json:"solvers"`
}

// ACMESolver is one spec.acme.solvers entry.
type ACMESolver struct {
	DNS01 *ACMEDNS01 `json:"dns01,omitempty"`
}

// ACMEDNS01 is solvers[].dns01.
type ACMEDNS01 struct {
	Route53 *Route53Solver `json:"route53,omitempty"`
}

// Route53Solver is solvers[].dns01.route53. Without secret refs cert-manager
// uses ambient credentials (allowed for ClusterIssuers by default).
type Route53Solver struct {
	Auth                     *Route53Auth       `json:"auth,omitempty"`
	Region                   string             `json:"region,omitempty"`
	HostedZoneID             string             `json:"hostedZoneID,omitempty"`
	Role                     string             `json:"role,omitempty"`
	AccessKeyIDSecretRef     *SecretKeySelector `json:"accessKeyIDSecretRef,omitempty"`
	SecretAccessKeySecretRef *SecretKeySelector `json:"secretAccessKeySecretRef,omitempty"`
}

// Route53Auth is route53.auth: AssumeRoleWithWebIdentity with a bound
// ServiceAccount token.
type Route53Auth struct {
	Kubernetes Route53KubernetesAuth `json:"kubernetes"`
}

// Route53KubernetesAuth is route53.auth.kubernetes.
type Route53KubernetesAuth struct {
	ServiceAccountRef ServiceAccountRef `json:"serviceAccountRef"`
}

// ServiceAccountRef names the ServiceAccount (in cert-manager) whose token is used.
type ServiceAccountRef struct {
	Name      string   `json:"name"`
	Audiences []string `json:"audiences,omitempty"`
}

// SecretKeySelector names one key of a Secret (in cert-manager's cluster
// resource namespace, cert-manager, for ClusterIssuers).
type SecretKeySelector struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// LocalObjectReference names an object in the same (or an implied) namespace.
type LocalObjectReference struct {
	Name string `json:"name"`
}

// CertificateSpec is cert-manager.io/v1 Certificate.spec.
type CertificateSpec struct {
	IsCA       bool      `json:"isCA"`
	CommonName string    `json:"commonName"`
	DNSNames   []string  `json:"dnsNames"`
	IssuerRef  IssuerRef `json:"issuerRef"`
	SecretName string    `json:"secretName"`
}

// IssuerRef is Certificate.spec.issuerRef.
type IssuerRef struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Group string `json:"group"`
}

// IngressControllerSpec is the part of IngressController default this layer owns.
type IngressControllerSpec struct {
	DefaultCertificate LocalObjectReference `json:"defaultCertificate"` // Secret in openshift-ingress
}

// APIServerSpec is the part of APIServer cluster this layer owns.
type APIServerSpec struct {
	ServingCerts APIServerServingCerts `json:"servingCerts"`
}

// APIServerServingCerts is spec.servingCerts.
type APIServerServingCerts struct {
	NamedCertificates []APIServerNamedServingCert `json:"namedCertificates"`
}

// APIServerNamedServingCert maps host names to a Secret in openshift-config.
type APIServerNamedServingCert struct {
	Names              []string             `json:"names"`
	ServingCertificate LocalObjectReference `json:"servingCertificate"`
}
