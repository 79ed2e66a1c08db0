// Package ocpsim simulates the OpenShift 4.21 platform the program installs
// on: against any API server reachable through a dynamic
// client (kube-apiserver + kube-controller-manager from tests/kubeenv, or
// the dynamic fake of NewFakeClient) it bootstraps what a fresh cluster has
// and plays OLM, the operators the program installs, the machine API, the
// scheduler and the kubelet, so that the program's own readiness signals
// are satisfied, and every ordering constraint (C1-C18, README.md)
// fails the way the real platform fails when broken.
//
// # API
//
//	sim, err := ocpsim.New(restConfig, ocpsim.Options{Platform: ocpsim.AWS, Delays: ocpsim.RealisticDelays().Scale(0.01)})
//	err = sim.Bootstrap(ctx)   // platform CRDs, singletons, nodes, catalog (idempotent)
//	go sim.Run(ctx)            // list+watch caches, one reconcile pass every Options.Interval (200ms)
//	sim.Inject(ocpsim.Fault{Kind: ocpsim.CSVFailed, Package: "rhods-operator", Message: "..."})
//	sim.Clear(fault)
//	sim.Requests()             // API requests made, by verb and resource (the perf report)
//
// Unit tests use NewForClient(NewFakeClient(), Options{Standalone: true,
// Clock: fakeClock}) and Step/Settle instead of Run: passes are
// deterministic and a fake clock steps through Options.Delays.
//
// # The program's signals and who satisfies them
//
// Go gates (components/*/gates.go, components/readiness/checks.go):
//
//	gate (layer)                       reads                                                                  simulated by
//	csvSucceeded (olm)                 Subscription .status.installedCSV, ResolutionFailed; InstallPlan       olm.go: plan per Subscription (approved unless Manual),
//	                                   .spec.clusterServiceVersionNames/.approved; CSV .status.phase/          CSV Pending -> Installing -> Succeeded after Delays.CSVInstall,
//	                                   reason/message                                                         Failed on NoOperatorGroup/TooMany/Unsupported mode or a fault
//	crdEstablished (olm)               CRD Established, NamesAccepted                                         olm.go registers OperatorCRDs[pkg] only once Succeeded (C1)
//	removeCSVs (olm, destroy)          CSV label operators.coreos.com/<pkg>.<ns> (cut to 63 chars), olm.copiedFrom  olm.go CSVLabel
//	certManagerExists (tls)            CertManager cluster                                                     certmanager.go creates it after the CSV
//	certManagerAvailable (tls)         Deployments cert-manager{,-webhook,-cainjector} Available;              certmanager.go + deployment controller + kubelet.go;
//	                                   ValidatingWebhookConfiguration cert-manager-webhook caBundle           caBundle once the cainjector is Available
//	certManagerConfigured (tls)        CertManager *Degraded ("validation failed"); cert-manager Deployment    certmanager.go: overrideArgs validated, merged into the
//	                                   container args, generation/observedGeneration/replica counts           controller's args; the rollout is the deployment controller's
//	apiCertificateServed (tls, C18)    KubeAPIServer cluster spec.observedConfig.servingInfo.namedCertificates, platform.go: new revision + config-N, nodes move after
//	                                   status.latestAvailableRevision/nodeStatuses; ConfigMap                 Delays.Rollout; ClusterOperator kube-apiserver Progressing
//	                                   openshift-kube-apiserver/config-N; ClusterOperator kube-apiserver
//	credentialsProvisioned (awsiam)    CredentialsRequest .status.provisioned, lastSyncGeneration, conditions; platform.go (CCO, AWS only): Secret, finalizer
//	                                   Secret keys aws_access_key_id/aws_secret_access_key
//	machinesProvisioned (gpucapacity)  Machines by label cluster-api-machineset: phase Running + nodeRef;      machines.go; faults.go InsufficientCapacity
//	                                   errorReason/errorMessage/Failed; providerStatus MachineCreation=False
//	gpuAllocatable (gpu, C6)           Nodes .status.allocatable nvidia.com/gpu; GPU Machines' errors         gpu.go: only NFD-labelled nodes, Delays.Driver after a ready
//	                                                                                                          ClusterPolicy
//	lwsReady (lws, C9)                 CRD leaderworkersets.leaderworkerset.x-k8s.io; Deployment               lws.go (the operand, not OLM, registers the CRD)
//	                                   openshift-lws-operator/lws-controller-manager Available
//	persesReady (observability)        UIPlugin monitoring Available; CRD persesdashboards.perses.dev          lws.go reconcileUIPlugins (Perses CRDs with perses.enabled)
//	dsciExists, applicationsNamespace  DSCInitialization default-dsci; Namespace redhat-ods-applications       rhoai.go, Delays.DSCInitialization after the CSV
//	dashboardConfigExists (rhoai)      CRD odhdashboardconfigs.opendatahub.io; OdhDashboardConfig             rhoai.go, once the DSC deployed the dashboard
//	dscReady (rhoai, C11)              DSC Ready, KserveReady, ModelControllerReady                            rhoai.go (C8 never, C9 KserveReady)
//	modelsAsServiceReady (maas, C12)   DSC .status.observedGeneration; ModelsAsServiceReady (PrerequisitesMissing) rhoai.go modelsAsService: verdict at enable time, sticky
//	authorino*Exists (maas, C13)       Service authorino-authorino-authorization, Authorino, Deployment        kuadrant.go (Kuadrant -> Authorino -> Services/Deployment)
//	authorinoServerCertIssued          Secret kuadrant-system/authorino-server-cert                            platform.go service-ca (serving-cert annotation)
//	authorinoRolledOut                 Deployment authorino: volumes tls-cert + openshift-service-ca, env     kuadrant.go keeps volumes/args from the CR, never the env;
//	                                   SSL_CERT_FILE/REQUESTS_CA_BUNDLE, rollout fields, Available            rollout by the deployment controller
//	envoyFilterGenerated (maas, C13)   EnvoyFilter openshift-ingress/maas-default-gateway-authn-ssl           maas.go reconcileGatewayBootstrap
//	tenantNamespace/tenantExists (C14) Namespace models-as-a-service; Tenant default-tenant                    maas.go (maas-controller, re-created every Delays.TenantRecreate)
//	removeRecreatedTenant (destroy)    Deployment redhat-ods-applications/maas-controller gone                 rhoai.go deletes it when modelsAsService leaves Managed
//
// pulumi.com/waitFor expressions (components/**):
//
//	Subscription                        jsonpath={.status.installedCSV} / {.status.installPlanRef.name} (Manual)   olm.go
//	CredentialsRequest cert-manager     jsonpath={.status.provisioned}=true                                        platform.go
//	ClusterIssuer, Issuer, Certificate  condition=Ready                                                            certmanager.go
//	MachineSet <infra>-gpu-worker-<z>   jsonpath={.status.readyReplicas}=N                                         machines.go
//	NodeFeatureDiscovery nfd-instance   condition=Available                                                        gpu.go
//	ClusterPolicy gpu-cluster-policy    jsonpath={.status.state}=ready (ready with no GPU node, as the real one)    gpu.go
//	GatewayClass                        condition=Accepted (controller openshift.io/gateway-controller/v1)         gateway.go
//	Gateway                             condition=Programmed (needs its listeners' certificate Secrets)            gateway.go
//	Kuadrant kuadrant                   condition=Ready                                                            kuadrant.go
//	UIPlugin dashboards, monitoring     condition=Available                                                        lws.go
//	DataScienceCluster default-dsc      condition=Ready                                                            rhoai.go
//	LLMInferenceService                 condition=Ready                                                            kserve.go
//	MaaSModelRef                        jsonpath={.status.phase}=Ready                                             maas.go
//	MaaSSubscription, MaaSAuthPolicy    jsonpath={.status.phase}=Active                                            maas.go
//	Deployment/Service/PVC maas-db      provider awaits: Available, endpoints, Bound                               kubelet.go + kube-controller-manager
//
// Preflight and discovery (components/preflight, stacks/facts.go): ClusterVersion version (history
// Completed 4.21.x), the default StorageClass (WaitForFirstConsumer), Secret openshift-config/pull-secret
// (registry.redhat.io auth), Infrastructure cluster (platform, AWS region, infrastructureName), DNS cluster
// baseDomain, Ingress cluster domain, worker MachineSets (AMI, zones, subnets, security groups: AWS),
// PackageManifest gpu-operator-certified defaultChannel, ConfigMap openshift-monitoring/cluster-monitoring-config
// (Options.MonitoringConfig) and the Subscriptions/CSVs of conflicting operators: Bootstrap (platform.go,
// machines.go, olm.go). The SelfSubjectAccessReview is answered by the real API server (NewFakeClient allows it).
//
// # Constraints, as the platform enforces them
//
//	C1  operator CRDs are registered only once the CSV is Succeeded (a CR before fails: no such kind)
//	C2  Certificates fail (retried) while the Route53 credentials Secret a DNS-01 solver names is missing
//	C3  Certificates wait (Ready=False DoesNotExist) for their issuer to be Ready
//	C4  an IngressController pointed at a missing Secret degrades ClusterOperator ingress
//	C5  only nodes NFD labelled (feature.node.kubernetes.io/pci-10de.present) get GPUs
//	C6  ClusterPolicy ready even with no GPU node; LLMInferenceServices are Ready only when their replicas fit
//	    on nodes with allocatable nvidia.com/gpu (packed, running services keep theirs)
//	C7  Kuadrant stays Ready=False MissingDependency if RHCL started before any OpenShift GatewayClass
//	C8  a DataScienceCluster created before authpolicies.kuadrant.io is never Ready
//	C9  KserveReady=False while leaderworkersets.leaderworkerset.x-k8s.io is missing
//	C10 DSCI MonitoringReady=False CRDNotFound without the COO/Tempo/OTel CRDs
//	C11 LLMInferenceService Ready only with the DSC Ready
//	C12 modelsAsService Managed without the Programmed gateway and maas-db-config: PrerequisitesMissing, sticky
//	    until Removed and Managed again
//	C13 the authn-ssl EnvoyFilter only on a Gateway event (creation, controller start, change of the bootstrap or
//	    managed annotation) while the first Authorino by name has listener TLS on; no retry otherwise
//	C14 Tenant Ready only with its gatewayRef Gateway
//	C15 MaaSModelRef Failed "HTTPRoute does not reference gateway (expected: maas-default-gateway, found: ...)"
//	C16 MaaSSubscription/MaaSAuthPolicy created before their MaaSModelRef is Ready: Failed, sticky
//	C17 not enforced (the dashboard flags are accepted at any time)
//	C18 the named certificate is served only after a kube-apiserver revision rolls out (Delays.Rollout)
//
// Finalizers (serving.kserve.io/llmisvc-finalizer, maas.opendatahub.io/{model-cleanup,subscription-cleanup,
// authpolicy-cleanup,tenant-finalizer}) are added by the simulated controllers and removed on deletion only
// while the rhods-operator CSV is Succeeded (and, for MaaS, maas-controller is deployed). Deleting a
// Subscription leaves its CSV; deleting the CSV stops the operator (its CRDs stay). OLM also resolves RHCL's
// dependencies (authorino-, limitador-, dns-operator) into the same InstallPlan with Subscriptions of their own.
//
// # Drift (drift.go, Options.NoDrift turns it off)
//
// Namespace SCC annotations and pod-security labels; olm.providedAPIs on OperatorGroups; the
// olm.operatorgroup.uid label on their namespace; ClusterPolicy defaulted spec fields; AWS capacity
// annotations on MachineSets; DSC kserve.modelsAsService defaulted to Removed. As behaviour: OLM's
// Subscription label, service-ca's serving-cert-signed-by annotation, the PVC binder's volumeName and
// annotations, controller finalizers.
//
// # Not modelled
//
// Admission webhooks (the cert-manager ValidatingWebhookConfiguration matches nothing), CRD schemas and CEL
// rules (preserve-unknown-fields), copied CSVs, the console, ArgoCD openshift-gitops, RHOAI's own Gateway
// data-science-gateway, the pods of operators' own Deployments and of models (LLMInferenceService readiness is
// computed, not run), AuthPolicies/TokenRateLimitPolicies generated by maas-controller, StatefulSets, node
// lifecycle, the maas-api HTTP surface.
package ocpsim
