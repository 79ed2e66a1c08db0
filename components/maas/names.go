package maas

// Cluster object names of phase 6 and the field managers of this layer's
// Patch resources.
const (
	IngressNamespace      = "openshift-ingress"
	GatewayName           = "maas-default-gateway"
	GatewayClassName      = "openshift-default" // created by the connectivity layer
	GatewayConfigMapName  = "maas-default-gateway-override-config"
	RouteName             = "maas-default-gateway"
	DefaultTLSSecretName  = "ingress-certs" // docs/decisions.md D3: no serving-cert annotation
	ApplicationsNamespace = "redhat-ods-applications"
	TenantNamespace       = "models-as-a-service" // created by maas-controller
	TenantName            = "default-tenant"      // created by maas-controller; CEL pins the name
	DSCName               = "default-dsc"
	DBSecretName          = "maas-db-config"
	DBName                = "maas-db" // Deployment, Service and PersistentVolumeClaim
	DBUser                = "maas"
	DBDatabase            = "maas"
	DBPort                = 5432

	KuadrantNamespace       = "kuadrant-system"
	AuthorinoName           = "authorino"                         // CR, created by Kuadrant
	AuthorinoServiceName    = "authorino-authorino-authorization" // created by authorino-operator
	AuthorinoDeploymentName = "authorino"                         // created by authorino-operator
	AuthorinoContainer      = "authorino"
	AuthorinoCertSecret     = "authorino-server-cert" // issued by service-ca
	ServiceCAVolume         = "openshift-service-ca"
	ServiceCAConfigMap      = "openshift-service-ca.crt"
	ServiceCAMountPath      = "/etc/ssl/certs/openshift-service-ca"
	ServiceCABundle         = ServiceCAMountPath + "/service-ca-bundle.crt" // docs/decisions.md D10
	EnvoyFilterName         = GatewayName + "-authn-ssl"                    // made by odh-model-controller (docs/decisions.md D4)
	ModelControllerName     = "odh-model-controller"
	MaaSControllerName      = "maas-controller"
	DashboardConfigName     = "odh-dashboard-config"

	BootstrapAnnotation   = "security.opendatahub.io/authorino-tls-bootstrap"
	ServingCertAnnotation = "service.beta.openshift.io/serving-cert-secret-name"
)

// Field managers of the Patch resources: each owns only its fields, and
// destroy relinquishes exactly those.
const (
	EnableFieldManager    = "rhoai-maas-enable"
	AuthorinoFieldManager = "rhoai-maas-authorino"
	BootstrapFieldManager = "rhoai-maas-authorino-bootstrap"
	TenantFieldManager    = "rhoai-maas-tenant"
	DashboardFieldManager = "rhoai-maas-dashboard"
)
