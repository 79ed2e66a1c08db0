package olm

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/rhoai-pulumi/installer/components/readiness"
)

// OperatorArgs describes one OLM install; stacks/ fills it from validated config.
type OperatorArgs struct {
	Package           string      // packagemanifest name, e.g. rhcl-operator
	Catalog                       // channel, source, approval (default Automatic), pin
	Namespace         string      // where the Subscription lives
	SubscriptionName  string      // defaults to Package
	OperatorGroupName string      // defaults to Namespace
	Mode              InstallMode // OperatorGroup targets
	Env               []EnvVar    // Subscription.spec.config.env
	NamespaceLabels   map[string]string
	CRDs              []string // CRDs the operator's CRs need, checked after the CSV
	Layer             string   // for gate messages
	Gates             *readiness.Binder
	After             readiness.Prerequisite // e.g. C7: GatewayClass before RHCL
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func (a OperatorArgs) withDefaults() OperatorArgs {
	if a.SubscriptionName == "" {
		a.SubscriptionName = a.Package
	}
	if a.OperatorGroupName == "" {
		a.OperatorGroupName = a.Namespace
	}
	if a.Approval == "" {
		a.Approval = Automatic
	}
	if a.Source == "" {
		a.Source = "redhat-operators"
	}
	if a.Mode == "" {
		a.Mode = AllNamespaces
	}
	if a.NamespaceLabels == nil {
		a.NamespaceLabels = map[string]string{"openshift.io/cluster-monitoring": "true"}
	}
	if a.Layer == "" {
		a.Layer = "olm " + a.Package
	}
	return a
}

// Validate reports every problem at once.
func (a OperatorArgs) Validate() error {
	var errs []error
	for field, v := range map[string]string{"package": a.Package, "namespace": a.Namespace} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is empty; expected a non-empty name", field))
		}
	}
	if a.Namespace != "" && !dnsLabel.MatchString(a.Namespace) {
		errs = append(errs, fmt.Errorf("namespace %q is not a DNS label", a.Namespace))
	}
	for _, p := range (Package{Name: a.Package}).Check(a.Catalog) {
		errs = append(errs, p)
	}
	if a.Mode != OwnNamespace && a.Mode != AllNamespaces {
		errs = append(errs, fmt.Errorf("install mode %q; expected OwnNamespace or AllNamespaces", a.Mode))
	}
	if a.Namespace == GlobalOperatorsNamespace && a.Mode == OwnNamespace {
		errs = append(errs, fmt.Errorf("namespace %s serves all namespaces; an OwnNamespace operator needs its own namespace", GlobalOperatorsNamespace))
	}
	if a.Gates == nil {
		errs = append(errs, errors.New("no gate binder given"))
	}
	return errors.Join(errs...)
}

func (a OperatorArgs) subscriptionSpec() SubscriptionSpec {
	s := SubscriptionSpec{
		Channel: a.Channel, InstallPlanApproval: a.Approval, Name: a.Package,
		Source: a.Source, SourceNamespace: MarketplaceNamespace, StartingCSV: a.StartingCSV,
	}
	if len(a.Env) > 0 {
		s.Config = &SubscriptionConfig{Env: a.Env}
	}
	return s
}

func (a OperatorArgs) subscriptionKey() string { return a.Namespace + "/" + a.SubscriptionName }

// String names the operator in messages.
func (a OperatorArgs) String() string {
	return strings.TrimSpace(a.Package + " (" + a.subscriptionKey() + ")")
}
