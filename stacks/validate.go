package stacks

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/rhoai-pulumi/installer/components/rhoai"
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
	if !regexp.MustCompile(`^4\.[0-9]+$`).MatchString(c.Cluster.MinVersion) {
		ps.add("cluster.minVersion", q(c.Cluster.MinVersion), "an OpenShift minor version such as 4.21", "")
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
		if !instanceType.MatchString(t) {
			ps.add(fmt.Sprintf("gpu.instanceTypes[%d]", i), q(t), "an EC2 instance type such as g5.2xlarge", "")
		}
	}
	if c.GPU.ReplicasPerZone < 1 {
		ps.add("gpu.replicasPerZone", fmt.Sprint(c.GPU.ReplicasPerZone), "an integer >= 1", "")
	}
	if c.GPU.MinAllocatable < 1 {
		ps.add("gpu.minAllocatable", fmt.Sprint(c.GPU.MinAllocatable), "an integer >= 1", "")
	}
	if c.GPU.VolumeSize < 50 {
		ps.add("gpu.volumeSize", fmt.Sprint(c.GPU.VolumeSize), "a root volume of at least 50 GiB (the driver and model images need room)", "")
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
	if v := c.RHOAI.RawDeploymentServiceConfig; v != "Headless" && v != "Headed" {
		ps.add("rhoai.rawDeploymentServiceConfig", q(v), `"Headless" or "Headed"`, "")
	}
	if c.Gateway.TLS != "ingress" && c.Gateway.TLS != "selfSigned" {
		ps.add("gateway.tls", q(c.Gateway.TLS), `"ingress" or "selfSigned"`, "")
	}
	if c.Gateway.TLS == "selfSigned" && !c.TLSEnabled() {
		ps.add("gateway.tls", `"selfSigned" with tls.enabled false`, `"ingress" (selfSigned needs cert-manager)`, "")
	}
}

func (c Config) validateModels(ps *problems) {
	seen := map[string]bool{}
	for i, m := range c.Models {
		key := fmt.Sprintf("models[%d]", i)
		if !dns1035Label.MatchString(m.Name) || len(m.Name) > 45 {
			ps.add(key+".name", q(m.Name), "a lowercase DNS-1035 label of at most 45 characters such as qwen3-8b", "")
		}
		if seen[m.Name] {
			ps.add(key+".name", q(m.Name)+" twice", "unique model names (MaaS refers to models by name)", "")
		}
		seen[m.Name] = true
		if !dns1123Label.MatchString(m.Namespace) {
			ps.add(key+".namespace", q(m.Namespace), "a namespace name (DNS label)", "")
		}
		if reserved := strings.HasPrefix(m.Namespace, "openshift") || strings.HasPrefix(m.Namespace, "kube-") || strings.HasPrefix(m.Namespace, "redhat-ods"); reserved {
			ps.add(key+".namespace", q(m.Namespace), "a project namespace, not a platform one", "")
		}
		if !modelURI.MatchString(m.URI) {
			ps.add(key+".uri", q(m.URI), "a model URI: oci://, hf://, s3://, pvc:// or https://", setCmd(key+".uri", DefaultModelURI))
		}
		if m.Replicas == nil || *m.Replicas < 1 {
			ps.add(key+".replicas", fmt.Sprint(deref(m.Replicas)), "an integer >= 1", setCmd(key+".replicas", "2"))
		}
		if m.GPUs == nil || *m.GPUs < 1 {
			ps.add(key+".gpus", fmt.Sprint(deref(m.GPUs)), "an integer >= 1 (vLLM needs a GPU)", "")
		}
		for field, v := range map[string]string{"cpu": m.CPU, "memory": m.Memory} {
			if _, err := resource.ParseQuantity(v); err != nil {
				ps.add(key+"."+field, q(v), "a Kubernetes quantity such as 6 or 24Gi", "")
			}
		}
		if strings.Contains(m.VLLMArgs, "\n") {
			ps.add(key+".vllmArgs", "a multi-line value", "one line of vLLM flags", "")
		}
	}
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
	if _, err := resource.ParseQuantity(c.MaaS.DatabaseStorage); err != nil {
		ps.add("maas.databaseStorage", q(c.MaaS.DatabaseStorage), "a storage size such as 10Gi", "")
	}
	if d := c.MaaS.APIKeyMaxExpirationDays; d < 1 || d > 3650 {
		ps.add("maas.apiKeyMaxExpirationDays", fmt.Sprint(d), "an integer from 1 to 3650", "")
	}
	published := map[string]bool{}
	for _, m := range c.PublishedModels() {
		published[m.Name] = true
	}
	subNames := map[string]bool{}
	for i, s := range c.MaaS.Subscriptions {
		key := fmt.Sprintf("maas.subscriptions[%d]", i)
		if !dns1123Label.MatchString(s.Name) {
			ps.add(key+".name", q(s.Name), "a DNS label such as premium", "")
		}
		if subNames[s.Name] {
			ps.add(key+".name", q(s.Name)+" twice", "unique subscription names", "")
		}
		subNames[s.Name] = true
		if len(s.Groups) == 0 && len(s.Users) == 0 {
			ps.add(key+".groups", "no groups and no users", "at least one owner group or user", "")
		}
		if len(s.Models) == 0 {
			ps.add(key+".models", "an empty list", "at least one model with a token limit", "")
		}
		for j, ref := range s.Models {
			rk := fmt.Sprintf("%s.models[%d]", key, j)
			if !published[ref.Model] {
				ps.add(rk+".model", q(ref.Model), "the name of a model published through MaaS", "")
			}
			if ref.Limit < 1 {
				ps.add(rk+".limit", fmt.Sprint(ref.Limit), "a token limit >= 1", "")
			}
			if !windowPattern.MatchString(ref.Window) {
				ps.add(rk+".window", q(ref.Window), `a window matching ^[1-9]\d{0,3}(s|m|h)$ such as 24h or 30m`, "")
			}
		}
	}
	for i, p := range c.MaaS.AuthPolicies {
		key := fmt.Sprintf("maas.authPolicies[%d]", i)
		if !dns1123Label.MatchString(p.Name) {
			ps.add(key+".name", q(p.Name), "a DNS label", "")
		}
		if len(p.Groups) == 0 && len(p.Users) == 0 {
			ps.add(key+".groups", "no groups and no users", "at least one group or user (CEL rule of MaaSAuthPolicy)", "")
		}
		for j, m := range p.Models {
			if !published[m] {
				ps.add(fmt.Sprintf("%s.models[%d]", key, j), q(m), "the name of a model published through MaaS", "")
			}
		}
	}
}
