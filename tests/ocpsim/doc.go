// Package ocpsim simulates the OpenShift 4.21 platform the program installs
// on: against any API server reachable through a dynamic
// client (kube-apiserver + kube-controller-manager from tests/kubeenv, or
// the dynamic fake of NewFakeClient) it bootstraps what a fresh cluster has
// and plays OLM, the operators the program installs, the machine API, the
// scheduler and the kubelet, so that the program's own readiness signals
// are satisfied, and every ordering constraint (C1-C18, README.md) the
// real operators enforce fails the way they fail when broken, with their
// reasons and messages. Constraints upstream does not enforce are the
// program's order only; the simulator does not invent a failure for them.
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
// # The program's signals, who writes them, and the upstream source
//
// Every rule below names the upstream code it follows (repository@tag:path;
// OLM is openshift/operator-framework-olm@release-4.21, whose OLM code is
// staging/operator-lifecycle-manager). Go gates are in components/*/gates.go
// and components/readiness/checks.go; "program order" marks a constraint
// the program keeps although upstream does not enforce it (the simulator
// does not either).
//
//	gate (layer)                       reads                                  simulated by, after upstream
//	csvSucceeded (olm)                 Subscription installedCSV and          olm.go: one InstallPlan per Subscription (approved unless Manual;
//	                                   InstallPlanFailed/ResolutionFailed/    its CRDs are InstallPlan steps); CSV Pending RequirementsNotMet
//	                                   BundleUnpackFailed; InstallPlan phase; until they are Established, Installing, Succeeded after
//	                                   CSV phase/reason/message                Delays.CSVInstall; OperatorGroup problems Failed; faults
//	                                                                          CSVFailed (reason), InstallPlanFailed. OLM pkg/controller/
//	                                                                          operators/catalog/operator.go, olm/operator.go; terminal reasons:
//	                                                                          operator-framework/api@v0.36.0 pkg/operators/v1alpha1
//	crdEstablished (olm)               CRD Established, NamesAccepted         OLM applies them as InstallPlan steps (catalog/step.go)
//	removeCSVs (olm, destroy)          CSV label operators.coreos.com/<pkg>.<ns> OLM decorators (ComponentLabelKey: cut to 63 characters)
//	certManagerExists/Available/       CertManager cluster, its Deployments,  certmanager.go (openshift/cert-manager-operator@release-1.19:
//	Configured (tls)                   webhook caBundle, overrideArgs         deployment overrides validated, merged into the args)
//	apiCertificateServed (tls, C18)    KubeAPIServer revisions, config-N      platform.go (openshift/cluster-kube-apiserver-operator@release-4.21)
//	credentialsProvisioned (awsiam)    CredentialsRequest provisioned, Secret platform.go (openshift/cloud-credential-operator@release-4.21)
//	machinesProvisioned (gpucapacity)  Machines phase, nodeRef, errorReason   machines.go (openshift/api@release-4.21 machine/v1beta1;
//	                                                                          a Failed Machine is never retried); fault InsufficientCapacity
//	gpuAllocatable (gpu, C6)           Nodes allocatable nvidia.com/gpu       gpu.go (NVIDIA/gpu-operator@v26.3.3: ClusterPolicy ready without a
//	                                                                          GPU node; only NFD-labelled nodes get the driver)
//	lwsReady (lws, C9: program order)  CRD leaderworkersets; lws-controller-  lws.go (the operand registers the CRD). KServe does not need it
//	                                   manager Available                      on OpenShift (opendatahub-operator@v3.4.0 components/kserve/
//	                                                                          kserve_controller_actions.go: LWS CRD checked on Kubernetes only)
//	persesReady (observability)        UIPlugin Available; CRD persesdash-    lws.go; the perses.dev CRDs come with the COO bundle
//	                                   boards                                 (rhobs/observability-operator bundle/manifests/perses.dev_*.yaml)
//	dsciExists, applicationsNamespace, DSCInitialization, Namespace,          rhoai.go
//	dashboardConfigExists (rhoai)      OdhDashboardConfig
//	dscReady (rhoai, C11)              DSC KserveReady, ModelControllerReady  rhoai.go: components' conditions; Ready lists not-ready handlers
//	                                   (DSC Ready only as a warning)          ("Some components are not ready: ..."); observedGeneration only
//	                                                                          when Ready (opendatahub-operator@v3.4.0 pkg/controller/
//	                                                                          reconciler/reconciler.go); Wide EP note without LWS
//	kuadrantReady (connectivity, C7)   Kuadrant Ready; MissingDependency ->   kuadrant.go: dependencies probed when the operator pod starts
//	                                   restart pods app=kuadrant,control-     (kuadrant-operator@v1.3.1 internal/controller/state_of_the_world.go,
//	                                   plane=controller-manager once          internal/kuadrant/errors.go); the Istio CRDs appear with the first
//	                                                                          OpenShift GatewayClass (gateway.go)
//	modelsAsServiceReady (maas, C12)   DSC ModelsAsServiceReady; ModelsAs-    rhoai.go modelsAsService: the CR's Ready copied to the DSC; missing
//	                                   Service CR conditions; Tenant Ready    maas-db-config: Error "blocking prerequisites missing" (Secret
//	                                                                          watched); missing Gateway: Error, retried on the error backoff
//	                                                                          (opendatahub-operator@v3.4.0 internal/controller/components/
//	                                                                          modelsasservice/*); KServeDisabled, Removed
//	authorino*Exists (maas, C13)       Service, Authorino, Deployment         kuadrant.go (Kuadrant creates Authorino: kuadrant-operator@v1.3.1
//	                                                                          internal/controller/authorino_reconciler.go)
//	authorinoServerCertIssued          Secret authorino-server-cert           platform.go service-ca (serving-cert annotation)
//	authorinoRolledOut                 Deployment template and rollout;       kuadrant.go: TlsSecretNotProvided before the Deployment is touched,
//	                                   Authorino Ready reason                 retried on backoff, no Secret watch, TLS unset means on
//	                                                                          (authorino-operator@v0.22.0 controllers/authorino_controller.go)
//	envoyFilterGenerated (maas, C13)   EnvoyFilter <gateway>-authn-ssl        maas.go: on a Gateway's creation or any update while the bootstrap
//	                                                                          annotation is on; zero Authorinos count as TLS on
//	                                                                          (odh-model-controller@odh-v3.4 internal/controller/serving/llm/
//	                                                                          gateway_controller.go, pkg/utils/kuadrant.go)
//	tenantNamespace/tenantExists (C14) Namespace, Tenant; MaaS API without    maas.go (models-as-a-service@v0.1.1 maas-controller/cmd/manager/
//	                                   the Tenant CRD -> terminal             main.go: namespace and Tenant ensured every 30 s)
//	maasModelRefReady (maas, C15)      MaaSModelRef phase/Ready               maas.go (maasmodelref_controller.go, providers_llmisvc.go: HTTPRoute
//	                                                                          by router labels; Invalid/Unsupported final, the rest heals)
//	maasSubscriptionActive,            MaaSSubscription/MaaSAuthPolicy phase  maas.go (maassubscription_controller.go, maasauthpolicy_controller.go:
//	maasAuthPolicyActive (C16:                                                model refs checked for existence only; Failed/Degraded heal)
//	program order)
//	tenantRetired, maasController-     Tenant Ready ManagementStateIdle and   maas.go: management-state Removed runs the cleanup of
//	Gone, tenantGone, tenantNamespace- finalizer; Deployment maas-controller; tenant_finalize.go (CronJob and TokenRateLimitPolicy left, as
//	Gone (maas, destroy)               Tenant; Namespace                      upstream), drops the finalizer, leaves the Tenant idle
//
// pulumi.com/waitFor expressions (components/**):
//
//	CredentialsRequest cert-manager     jsonpath={.status.provisioned}=true                                        platform.go
//	ClusterIssuer, Issuer, Certificate  condition=Ready                                                            certmanager.go
//	MachineSet <infra>-gpu-worker-<z>   jsonpath={.status.readyReplicas}=N                                         machines.go
//	NodeFeatureDiscovery nfd-instance   condition=Available                                                        gpu.go
//	ClusterPolicy gpu-cluster-policy    jsonpath={.status.state}=ready (ready with no GPU node, as the real one)    gpu.go
//	GatewayClass                        condition=Accepted (controller openshift.io/gateway-controller/v1)         gateway.go
//	Gateway                             condition=Programmed (needs its listeners' certificate Secrets)            gateway.go
//	UIPlugin dashboards, monitoring     condition=Available                                                        lws.go
//	LLMInferenceService                 condition=Ready                                                            kserve.go
//	Deployment/Service/PVC maas-db      provider awaits: Available, endpoints, Bound                               kubelet.go + kube-controller-manager
//
// Subscriptions, the Kuadrant CR, the DataScienceCluster and the MaaS custom
// resources have no waitFor: their gates read what the operators write and
// tell a retry from a final failure.
//
// Preflight and discovery (components/preflight, stacks/facts.go): ClusterVersion version (history
// Completed 4.21.x), the default StorageClass (WaitForFirstConsumer), Secret openshift-config/pull-secret
// (registry.redhat.io auth), Infrastructure cluster (platform, AWS region, infrastructureName), DNS cluster
// baseDomain, Ingress cluster domain, worker MachineSets (AMI, zones, subnets, security groups: AWS),
// PackageManifest gpu-operator-certified defaultChannel, ConfigMap openshift-monitoring/cluster-monitoring-config
// (Options.MonitoringConfig), the Subscriptions/CSVs of conflicting operators and the MaaS CRDs (Tenant API):
// Bootstrap (platform.go, machines.go, olm.go). The SelfSubjectAccessReview is answered by the real API server
// (NewFakeClient allows it).
//
// # Constraints: which the platform enforces, which are the program's order
//
//	C1  enforced: a CR before its CRD fails (no such kind); OLM creates CRDs as InstallPlan steps
//	C2  enforced: Certificates fail (retried) while the Route53 credentials Secret a DNS-01 solver names is missing
//	C3  enforced: Certificates wait (Ready=False DoesNotExist) for their issuer to be Ready
//	C4  enforced: an IngressController pointed at a missing Secret degrades ClusterOperator ingress
//	C5  enforced: only nodes NFD labelled (feature.node.kubernetes.io/pci-10de.present) get GPUs
//	C6  enforced: ClusterPolicy ready even with no GPU node; LLMInferenceServices are Ready only when their
//	    replicas fit on nodes with allocatable nvidia.com/gpu (packed, running services keep theirs)
//	C7  enforced: Kuadrant Ready=False MissingDependency if kuadrant-operator started before the Istio CRDs
//	    (the first OpenShift GatewayClass), until its pod restarts
//	C8  program order: odh-model-controller skips the AuthPolicy watch without the CRD; nothing crash-loops
//	C9  program order: KServe checks the LWS CRD on vanilla Kubernetes only
//	C10 enforced: DSCI MonitoringReady=False CRDNotFound without the COO/Tempo/OTel CRDs
//	C11 program order: kserve never reads the DSC; a service is reconciled once kserve-controller-manager runs
//	C12 enforced, not sticky: MaaS Ready=False (Error) while maas-db-config or the Gateway is missing; the
//	    Secret is watched, the Gateway seen again on the error backoff
//	C13 enforced: the authn-ssl EnvoyFilter only when a Gateway event finds Authorino TLS on (zero Authorinos
//	    count as on); a skip waits for the next Gateway event
//	C14 enforced: Tenant Pending (GatewayNotReady) without its gatewayRef Gateway, Failed (PrerequisitesNotMet)
//	    without maas-db-config
//	C15 enforced: MaaSModelRef Failed "Failed to reconcile HTTPRoute: HTTPRoute ... does not reference gateway
//	    (expected: openshift-ingress/maas-default-gateway, found: ...)", healed when the route changes
//	C16 program order: subscriptions and auth policies fail only on missing model refs or routes, and heal
//	C17 not enforced (the dashboard flags are accepted at any time)
//	C18 enforced: the named certificate is served only after a kube-apiserver revision rolls out (Delays.Rollout)
//
// Finalizers (serving.kserve.io/llmisvc-finalizer, maas.opendatahub.io/{model-cleanup,subscription-cleanup,
// authpolicy-cleanup,tenant-finalizer}) are added by the simulated controllers and removed on deletion while
// those controllers run: kserve-controller-manager and maas-controller, which live as long as the DSC keeps
// their component Managed (not the rhods-operator CSV). Deleting a Subscription leaves its CSV; deleting the
// CSV stops the operator (its CRDs stay). OLM also resolves RHCL's dependencies (authorino-, limitador-,
// dns-operator) into the same InstallPlan with Subscriptions of their own.
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
// data-science-gateway, the pods of operators' own Deployments (except kuadrant-operator's, whose restart
// matters) and of models (LLMInferenceService readiness is computed, not run), the per-model
// AuthPolicies/TokenRateLimitPolicies maas-controller generates, StatefulSets, node lifecycle, the maas-api
// HTTP surface.
package ocpsim
