package stacks

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/rhoai-pulumi/installer/components/gpucapacity"
	"github.com/rhoai-pulumi/installer/components/maas"
	"github.com/rhoai-pulumi/installer/components/rhoai"
	"github.com/rhoai-pulumi/installer/components/tls"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

// Problem is one invalid value: the key path, what was found, what is
// allowed, and how to fix it.
type Problem struct {
	Key, Found, Expected, Fix string
}

func (p Problem) Error() string {
	msg := fmt.Sprintf("config rhoai:%s: found %s, expected %s", p.Key, p.Found, p.Expected)
	if p.Fix != "" {
		msg += "; " + p.Fix
	}
	return msg
}

type problems []error

func (ps *problems) add(key, found, expected, fix string) {
	*ps = append(*ps, Problem{Key: key, Found: found, Expected: expected, Fix: fix})
}

func q(s string) string {
	if s == "" {
		return "nothing"
	}
	return fmt.Sprintf("%q", s)
}

func setCmd(path, example string) string {
	return fmt.Sprintf("run: pulumi config set --path 'rhoai:%s' %s", path, example)
}

var (
	dns1123Label  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dns1035Label  = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	dnsDomain     = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$`)
	windowPattern = regexp.MustCompile(`^[1-9]\d{0,3}(s|m|h)$`)
	instanceType  = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	modelURI      = regexp.MustCompile(`^(oci|hf|s3|pvc|https)://\S+$`)
	nameserver    = regexp.MustCompile(`^[0-9a-fA-F.:\[\]]+:[0-9]{1,5}$`)
)

// Validate reports every problem of a defaulted config at once, each naming
// the key, the bad value and what is allowed.
func (c Config) Validate() error {
	var ps problems
	c.validateBasics(&ps)
	c.validateOperators(&ps)
	c.validateTLS(&ps)
	c.validateGPU(&ps)
	c.validateRHOAI(&ps)
	c.validateModels(&ps)
	c.validateMaaS(&ps)
	return errors.Join(ps...)
}

func (c Config) validateBasics(ps *problems) {
	switch c.Platform {
	case AWS, Baremetal:
	case "":
		ps.add("platform", "nothing", `"aws" or "baremetal"`, setCmd("platform", "baremetal"))
	default:
		ps.add("platform", q(string(c.Platform)), `"aws" or "baremetal"`, "")
	}
	switch c.Mode {
	case Live, Render:
	default:
		ps.add("mode", q(string(c.Mode)), `"live" or "render"`, "")
	}
	if c.Mode == Render && c.Cluster.BaseDomain == "" {
		ps.add("cluster.baseDomain", "nothing", "the cluster's base domain (render mode cannot read it from a cluster)", setCmd("cluster.baseDomain", "example.com"))
	}
	if d := c.Cluster.BaseDomain; d != "" && !dnsDomain.MatchString(d) {
		ps.add("cluster.baseDomain", q(d), "a lowercase DNS domain such as cluster.example.com", "")
	}
	if d := c.Cluster.AppsDomain; d != "" && !dnsDomain.MatchString(d) {
		ps.add("cluster.appsDomain", q(d), "a lowercase DNS domain such as apps.cluster.example.com", "")
	}
	switch v := c.Cluster.MinVersion; {
	case !regexp.MustCompile(`^4\.[0-9]+$`).MatchString(v):
		ps.add("cluster.minVersion", q(v), "an OpenShift minor version such as 4.21", "")
	case minor(v) < minor(MinVersionFloor):
		ps.add("cluster.minVersion", q(v), MinVersionFloor+" or later: llm-d's gateways use OpenShift's Gateway API controller (openshift.io/gateway-controller/v1), shipped from OpenShift "+MinVersionFloor+"; lowering the preflight minimum cannot make an older cluster work", "")
	}
	if k := c.Cluster.Kubeconfig; c.Mode == Live && k != "" && !strings.Contains(k, "\n") && !strings.HasPrefix(strings.TrimSpace(k), "apiVersion") {
		if _, err := os.Stat(k); err != nil {
			ps.add("cluster.kubeconfig", q(k), "a readable kubeconfig file or its contents", "")
		}
	}
	if c.Mode == Render && c.Platform == AWS && (c.GPU.InfrastructureID == "" || c.GPU.Region == "" || c.GPU.AMI == "" || len(c.GPU.Zones) == 0) {
		ps.add("gpu", "missing infrastructureId, region, ami or zones", "all four in render mode (live runs read them from the cluster)", "")
	}
}

func (c Config) validateOperators(ps *problems) {
	keys := make([]string, 0, len(c.Operators))
	for k := range c.Operators {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		pkg, known := KnownOperators[k]
		if !known {
			ps.add("operators."+k, "an unknown operator", "one of "+knownOperatorKeys(), "")
			continue
		}
		for _, p := range pkg.Check(c.Resolved(k)) {
			ps.add("operators."+k+"."+p.Field, p.Found, p.Expected, "")
		}
	}
}

func (c Config) validateTLS(ps *problems) {
	switch c.TLS.Cloud {
	case "aws", "none":
	case "":
		ps.add("tls.cloud", "nothing", `"aws" (Route53 credentials from AWS) or "none" (bring your own); the choice is deliberate, there is no default`, setCmd("tls.cloud", "none"))
	default:
		ps.add("tls.cloud", q(c.TLS.Cloud), `"aws" or "none"`, "")
	}
	if c.TLS.Cloud == "aws" && c.Platform == Baremetal {
		ps.add("tls.cloud", `"aws" on platform baremetal`, `"none": the baremetal stack uses no AWS provider`, "")
	}
	// tls.cloud decides where the Route53 credentials come from; the mode
	// must agree (a CredentialsRequest with cloud none would still ask AWS).
	switch m := c.TLS.Route53.Mode; {
	case c.TLS.Cloud == "none" && (m == "cco" || m == "iam" || m == "sts"):
		ps.add("tls.route53.mode", q(m)+" with tls.cloud none", `"static" (tls.cloud none: a Route53 key you bring, no AWS API call), or tls.cloud aws`, "")
	case c.TLS.Cloud == "aws" && m == "static":
		ps.add("tls.route53.mode", `"static" with tls.cloud aws`, `"cco", "iam" or "sts" (credentials from the AWS layer), or tls.cloud none`, "")
	}
	if c.TLS.Issuer != "letsencrypt" && c.TLS.Issuer != "letsencrypt-staging" {
		ps.add("tls.issuer", q(c.TLS.Issuer), `"letsencrypt" or "letsencrypt-staging"`, "")
	}
	for i, ns := range c.TLS.RecursiveNameservers {
		if !nameserver.MatchString(ns) {
			ps.add(fmt.Sprintf("tls.recursiveNameservers[%d]", i), q(ns), "host:port such as 8.8.8.8:53", "")
		}
	}
	if e := c.TLS.ACMEEmail; e != "" && !regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`).MatchString(e) {
		ps.add("tls.acmeEmail", q(e), "an e-mail address", "")
	}
	// Let's Encrypt staging certificates chain to a root no client trusts:
	// on the router they break the console, OAuth and every Route, on the
	// API server every kubeconfig. Staging is for testing issuance: the
	// certificates are still issued, but not switched on.
	if c.TLS.Issuer == tls.StagingIssuer && c.TLSEnabled() {
		if c.IngressCertificateEnabled() {
			ps.add("tls.issuer", `"letsencrypt-staging" with tls.ingressCertificate on`, `"letsencrypt", or tls.ingressCertificate false to test issuance without putting an untrusted certificate on the router and the gateways`, "")
		}
		if c.TLS.APICertificate {
			ps.add("tls.apiCertificate", `true with tls.issuer "letsencrypt-staging"`, `false: no client trusts a staging certificate on the API server`, "")
		}
	}
	if r := c.TLS.Route53.Region; r != "" && !tls.ValidRegion(r) {
		ps.add("tls.route53.region", q(r), "an AWS region such as us-east-1", "")
	}
	if c.TLS.APICertificate && !c.TLSEnabled() {
		ps.add("tls.apiCertificate", "true with tls.enabled false", "tls.enabled true (the API certificate comes from cert-manager)", "")
	}
	if !c.TLSEnabled() {
		return
	}
	r := c.TLS.Route53
	switch r.Mode {
	case "cco", "iam", "sts":
		if c.Platform == Baremetal {
			ps.add("tls.route53.mode", q(r.Mode)+" on platform baremetal", `"static" (an access key you bring, as secrets rhoai:route53AccessKeyId and rhoai:route53SecretAccessKey)`, "")
		}
	case "static":
		// Render mode never writes secret values to disk; the GitOps side
		// supplies the Secret, so the keys are needed only live.
		if !c.Secrets.HasRoute53Keys && c.Mode == Live {
			ps.add("route53AccessKeyId", "no Route53 credentials for static mode", "secrets rhoai:route53AccessKeyId and rhoai:route53SecretAccessKey", "run: pulumi config set --secret rhoai:route53AccessKeyId <id> (and route53SecretAccessKey); or set tls.enabled false")
		}
	default:
		ps.add("tls.route53.mode", q(r.Mode), `"cco", "iam", "sts" (aws) or "static"`, "")
	}
	if r.Mode == "iam" && c.Mode == Render {
		ps.add("tls.route53.mode", `"iam" in render mode`, `"cco" or "sts": iam mints an access key whose value would be written into the rendered aws-creds Secret`, "")
	}
	if r.Mode == "sts" && r.OIDCIssuer == "" {
		ps.add("tls.route53.oidcIssuer", "nothing", "the cluster's OIDC issuer host/path for sts mode", "")
	}
	if r.HostedZoneID != "" && !regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`).MatchString(r.HostedZoneID) {
		ps.add("tls.route53.hostedZoneId", q(r.HostedZoneID), "a Route53 hosted zone id such as Z0123456789ABC", "")
	}
}

func (c Config) validateGPU(ps *problems) {
	if len(c.GPU.InstanceTypes) == 0 {
		ps.add("gpu.instanceTypes", "an empty list", "at least one EC2 instance type such as g5.2xlarge", "")
	}
	for i, t := range c.GPU.InstanceTypes {
		if !gpucapacity.ValidInstanceType(t) {
			ps.add(fmt.Sprintf("gpu.instanceTypes[%d]", i), q(t), "an EC2 instance type such as g5.2xlarge", "")
		}
	}
	if a := c.GPU.AMI; a != "" && !gpucapacity.ValidAMI(a) {
		ps.add("gpu.ami", q(a), "an EC2 image ID such as ami-0123456789abcdef0", "")
	}
	if r := c.GPU.Region; r != "" && !tls.ValidRegion(r) {
		ps.add("gpu.region", q(r), "an AWS region such as us-east-2", "")
	}
	if id := c.GPU.InfrastructureID; id != "" && !dns1123Label.MatchString(id) {
		ps.add("gpu.infrastructureId", q(id), "the cluster's infrastructure ID (a DNS label such as mycluster-x7k2p)", "")
	}
	for i, z := range c.GPU.Zones {
		if !regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$`).MatchString(z) {
			ps.add(fmt.Sprintf("gpu.zones[%d]", i), q(z), "an availability zone such as us-east-2a", "")
		}
	}
	if n := deref(c.GPU.ReplicasPerZone); n < 1 || n > 100 {
		ps.add("gpu.replicasPerZone", fmt.Sprint(n), "an integer from 1 to 100 (GPU machines per zone)", "")
	}
	if n := deref(c.GPU.MinAllocatable); n < 1 {
		ps.add("gpu.minAllocatable", fmt.Sprint(n), "an integer >= 1 (GPUs allocatable before the models deploy)", "")
	}
	if n := deref(c.GPU.VolumeSize); n < 50 || n > 16384 {
		ps.add("gpu.volumeSize", fmt.Sprint(n), "a root volume from 50 GiB (the driver and model images need room) to 16384 GiB (the EBS limit)", "")
	}
}

func (c Config) validateRHOAI(ps *problems) {
	names := make([]string, 0, len(c.RHOAI.Components))
	for k := range c.RHOAI.Components {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := c.RHOAI.Components[k]
		if k == "modelsAsService" {
			ps.add("rhoai.components.modelsAsService", q(v), "no value here: MaaS is enabled by rhoai:maas.enabled after its gateway and database exist (C12)", "")
			continue
		}
		switch ok, known, expected := rhoai.CheckComponent(k, rhoai.ManagementState(v)); {
		case !known:
			ps.add("rhoai.components."+k, "an unknown DataScienceCluster component", "one of "+strings.Join(rhoai.ComponentNames(), ", "), "")
		case !ok:
			ps.add("rhoai.components."+k, q(v), expected, "")
		}
	}
	if v := c.RHOAI.MonitoringRetention; v != "" && !rhoai.ValidRetention(v) {
		ps.add("rhoai.monitoringRetention", q(v), "a Prometheus retention such as 90d or 720h", "")
	}
	if v := c.RHOAI.TraceSampleRatio; v != "" && !rhoai.ValidSampleRatio(v) {
		ps.add("rhoai.traceSampleRatio", q(v), `a decimal from 0 to 1 such as "0.1"`, "")
	}
	if v := c.RHOAI.RawDeploymentServiceConfig; v != "" && v != "Headless" && v != "Headed" {
		ps.add("rhoai.rawDeploymentServiceConfig", q(v), `"Headless" or "Headed"`, "")
	}
	if c.Gateway.TLS != "ingress" && c.Gateway.TLS != "selfSigned" {
		ps.add("gateway.tls", q(c.Gateway.TLS), `"ingress" or "selfSigned"`, "")
	}
	for _, p := range maas.SecretNameProblems(c.Gateway.Secret) { // both gateways' listener secret
		ps.add("gateway.secret", p.Found, p.Expected, "")
	}
	if c.Gateway.TLS == "selfSigned" && !c.TLSEnabled() {
		ps.add("gateway.tls", `"selfSigned" with tls.enabled false`, `"ingress" (selfSigned needs cert-manager)`, "")
	}
}

func (c Config) validateModels(ps *problems) {
	seen := map[string]bool{}
	for i, m := range c.Models {
		key := fmt.Sprintf("models[%d]", i)
		if seen[m.Name] {
			ps.add(key+".name", q(m.Name)+" twice", "unique model names (MaaS refers to models by name)", "")
		}
		seen[m.Name] = true
		// The serving layer owns the model rules (names, URIs, counts,
		// quantities); an explicit zero reaches it as given, not as "unset".
		for _, p := range m.servingArgs(c.MaaSEnabled()).Problems() {
			fix := ""
			switch p.Field {
			case "uri":
				fix = setCmd(key+".uri", DefaultModelURI)
			case "replicas":
				fix = setCmd(key+".replicas", "2")
			}
			ps.add(key+"."+p.Field, p.Found, p.Expected, fix)
		}
	}
}

// minor is the minor number of a 4.<minor> version.
func minor(v string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(v, "4."))
	return n
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func (c Config) validateMaaS(ps *problems) {
	if !c.MaaSEnabled() {
		return
	}
	// The maas layer owns its rules; each is reported under its config key.
	under := func(prefix string, field func(string) string, probs []manifest.Problem) {
		for _, p := range probs {
			ps.add(prefix+field(p.Field), p.Found, p.Expected, "")
		}
	}
	dbKeys := map[string]string{"image": ".databaseImage", "storageSize": ".databaseStorage", "storageClass": ".databaseStorageClass"}
	under("maas", func(f string) string { return dbKeys[f] }, maas.DatabaseArgs{Image: c.MaaS.DatabaseImage, StorageSize: c.MaaS.DatabaseStorage}.Problems())
	dot := func(f string) string { return "." + f }
	if d := deref(c.MaaS.APIKeyMaxExpirationDays); d < 1 || d > 3650 {
		ps.add("maas.apiKeyMaxExpirationDays", fmt.Sprint(d), "an integer from 1 to 3650", "")
	}
	published := map[string]bool{}
	for _, m := range c.PublishedModels() {
		published[m.Name] = true
	}
	subNames := map[string]bool{}
	for i, s := range c.MaaS.Subscriptions {
		key := fmt.Sprintf("maas.subscriptions[%d]", i)
		under(key, dot, maas.NameProblems(s.Name))
		if subNames[s.Name] {
			ps.add(key+".name", q(s.Name)+" twice", "unique subscription names", "")
		}
		subNames[s.Name] = true
		if len(s.Groups) == 0 && len(s.Users) == 0 {
			ps.add(key+".groups", "no groups and no users", "at least one owner group or user", "")
		}
		under(key, dot, maas.SubjectProblems("groups", s.Groups))
		under(key, dot, maas.SubjectProblems("users", s.Users))
		if len(s.Models) == 0 {
			ps.add(key+".models", "an empty list", "at least one model with a token limit", "")
		}
		for j, ref := range s.Models {
			rk := fmt.Sprintf("%s.models[%d]", key, j)
			if !published[ref.Model] {
				ps.add(rk+".model", q(ref.Model), "the name of a model published through MaaS", "")
			}
			under(rk, dot, maas.TokenRateLimit{Limit: int64(ref.Limit), Window: ref.Window}.Problems())
		}
	}
	for i, p := range c.MaaS.AuthPolicies {
		key := fmt.Sprintf("maas.authPolicies[%d]", i)
		under(key, dot, maas.NameProblems(p.Name))
		if len(p.Groups) == 0 && len(p.Users) == 0 {
			ps.add(key+".groups", "no groups and no users", "at least one group or user (CEL rule of MaaSAuthPolicy)", "")
		}
		under(key, dot, maas.SubjectProblems("groups", p.Groups))
		under(key, dot, maas.SubjectProblems("users", p.Users))
		for j, m := range p.Models {
			if !published[m] {
				ps.add(fmt.Sprintf("%s.models[%d]", key, j), q(m), "the name of a model published through MaaS", "")
			}
		}
	}
}
