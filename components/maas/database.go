package maas

import (
	"fmt"
	"net/url"
	"strconv"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/components/readiness"
	"github.com/rhoai-pulumi/installer/internal/manifest"
)

const (
	dbPasswordKey = "password"
	dbURLKey      = "DB_CONNECTION_URL" // read by maas-api through the API (opendatahub-io/models-as-a-service@v0.1.1 maas-api/internal/config/config.go)
	dbDataPath    = "/var/lib/pgsql/data"
	dbVolume      = "data"
)

var dbLabels = map[string]string{"app": DBName}

// ConnectionURL is the maas-api connection string for the in-cluster database,
// with the password escaped for the URL's user-info.
func ConnectionURL(password, appsNS string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(DBUser, password),
		Host:     DBName + "." + appsNS + ".svc:" + strconv.Itoa(DBPort),
		Path:     "/" + DBDatabase,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// newDatabase registers maas-db-config and, unless an external URL is given,
// PostgreSQL on a PersistentVolumeClaim (the rationale's database is
// ephemeral and loses every API key on restart). Its prerequisite is the
// Secret plus the Deployment and Service, which the provider awaits (ready
// pods behind the Service): C12's "database ready".
func (m *MaaS) newDatabase(ctx *pulumi.Context, name string, a MaaSArgs) (readiness.Prerequisite, error) {
	parent := pulumi.Parent(m)
	ns := a.ApplicationsNamespace
	secretName := ns + "/" + DBSecretName
	opts, err := a.Gates.Options(a.After)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: binding prerequisites of Secret %s: %w", name, secretName, err)
	}
	secretMeta := &metav1.ObjectMetaArgs{Name: pulumi.String(DBSecretName), Namespace: pulumi.String(ns), Labels: manifest.StringMap(dbLabels)}

	if a.Database.ExternalURL != nil {
		dbURL := pulumi.ToSecret(a.Database.ExternalURL).(pulumi.StringOutput)
		secret, err := corev1.NewSecret(ctx, name+"-db-config", &corev1.SecretArgs{
			Metadata: secretMeta, Type: pulumi.String("Opaque"),
			StringData: pulumi.StringMap{dbURLKey: dbURL},
		}, append(opts, parent)...)
		if err != nil {
			return readiness.Prerequisite{}, fmt.Errorf("maas %q: creating Secret %s: %w", name, secretName, err)
		}
		m.DatabaseSecret = secret
		m.DBPassword = pulumi.ToSecret(pulumi.String("")).(pulumi.StringOutput)
		return readiness.After(secret), nil
	}

	var secret *corev1.Secret
	dbReady := []pulumi.Resource{}
	if a.Database.SecretSupplied {
		// Render mode: secret values never go to disk; the GitOps side
		// supplies maas-db-config.
		m.DBPassword = pulumi.ToSecret(pulumi.String("")).(pulumi.StringOutput)
		m.SecretsToSupply = append(m.SecretsToSupply, manifest.SecretToSupply{
			Namespace: ns, Name: DBSecretName, UsedBy: "maas-api and the PostgreSQL Deployment " + ns + "/" + DBName,
			Keys: []manifest.SecretKey{
				{Name: dbPasswordKey, Holds: "the PostgreSQL password of user " + DBUser},
				{Name: dbURLKey, Holds: "the maas-api connection URL: " + ConnectionURL("PASSWORD", ns) + " with the password URL-escaped"},
			},
		})
	} else {
		var err error
		if secret, err = m.newDatabaseSecret(ctx, name, a, secretMeta, opts); err != nil {
			return readiness.Prerequisite{}, err
		}
		dbReady = append(dbReady, secret)
	}

	claimSpec := &corev1.PersistentVolumeClaimSpecArgs{
		AccessModes: pulumi.StringArray{pulumi.String("ReadWriteOnce")},
		Resources:   &corev1.VolumeResourceRequirementsArgs{Requests: pulumi.StringMap{"storage": pulumi.String(a.Database.StorageSize)}},
	}
	if a.Database.StorageClass != "" {
		claimSpec.StorageClassName = pulumi.String(a.Database.StorageClass)
	}
	claim, err := corev1.NewPersistentVolumeClaim(ctx, name+"-db-storage", &corev1.PersistentVolumeClaimArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(DBName), Namespace: pulumi.String(ns), Labels: manifest.StringMap(dbLabels)},
		Spec:     claimSpec,
	}, append(opts, parent)...)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: creating PersistentVolumeClaim %s/%s: %w", name, ns, DBName, err)
	}

	depOpts, err := a.Gates.Options(a.After, readiness.After(append(dbReady, claim)...))
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: binding prerequisites of Deployment %s/%s: %w", name, ns, DBName, err)
	}
	isReady := []string{"/bin/sh", "-c", `pg_isready -h 127.0.0.1 -p 5432 -U "$POSTGRESQL_USER" -d "$POSTGRESQL_DATABASE"`}
	deployment, err := appsv1.NewDeployment(ctx, name+"-db", &appsv1.DeploymentArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(DBName), Namespace: pulumi.String(ns), Labels: manifest.StringMap(dbLabels)},
		Spec: &appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(1),
			// One ReadWriteOnce volume: the old pod must let go before the new one starts.
			Strategy: &appsv1.DeploymentStrategyArgs{Type: pulumi.String("Recreate")},
			Selector: &metav1.LabelSelectorArgs{MatchLabels: manifest.StringMap(dbLabels)},
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: manifest.StringMap(dbLabels)},
				Spec: &corev1.PodSpecArgs{
					Containers: corev1.ContainerArray{&corev1.ContainerArgs{
						Name:  pulumi.String("postgres"),
						Image: pulumi.String(a.Database.Image),
						Ports: corev1.ContainerPortArray{&corev1.ContainerPortArgs{Name: pulumi.String("postgresql"), ContainerPort: pulumi.Int(DBPort)}},
						Env: corev1.EnvVarArray{
							&corev1.EnvVarArgs{Name: pulumi.String("POSTGRESQL_USER"), Value: pulumi.String(DBUser)},
							&corev1.EnvVarArgs{Name: pulumi.String("POSTGRESQL_DATABASE"), Value: pulumi.String(DBDatabase)},
							&corev1.EnvVarArgs{Name: pulumi.String("POSTGRESQL_PASSWORD"), ValueFrom: &corev1.EnvVarSourceArgs{
								SecretKeyRef: &corev1.SecretKeySelectorArgs{Name: pulumi.String(DBSecretName), Key: pulumi.String(dbPasswordKey)},
							}},
						},
						Resources: &corev1.ResourceRequirementsArgs{
							Requests: pulumi.StringMap{"memory": pulumi.String("256Mi"), "cpu": pulumi.String("100m")},
							Limits:   pulumi.StringMap{"memory": pulumi.String("512Mi"), "cpu": pulumi.String("500m")},
						},
						ReadinessProbe: &corev1.ProbeArgs{
							Exec:                &corev1.ExecActionArgs{Command: pulumi.ToStringArray(isReady)},
							InitialDelaySeconds: pulumi.Int(5), PeriodSeconds: pulumi.Int(10), TimeoutSeconds: pulumi.Int(5),
						},
						LivenessProbe: &corev1.ProbeArgs{
							TcpSocket:           &corev1.TCPSocketActionArgs{Port: pulumi.Int(DBPort)},
							InitialDelaySeconds: pulumi.Int(30), PeriodSeconds: pulumi.Int(10),
						},
						VolumeMounts: corev1.VolumeMountArray{&corev1.VolumeMountArgs{Name: pulumi.String(dbVolume), MountPath: pulumi.String(dbDataPath)}},
					}},
					Volumes: corev1.VolumeArray{&corev1.VolumeArgs{
						Name:                  pulumi.String(dbVolume),
						PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSourceArgs{ClaimName: pulumi.String(DBName)},
					}},
				},
			},
		},
	}, append(depOpts, parent, manifest.Timeouts(DatabaseTimeout))...)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: creating Deployment %s/%s: %w", name, ns, DBName, err)
	}

	svcOpts, err := a.Gates.Options(a.After, readiness.After(deployment))
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: binding prerequisites of Service %s/%s: %w", name, ns, DBName, err)
	}
	service, err := corev1.NewService(ctx, name+"-db-service", &corev1.ServiceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(DBName), Namespace: pulumi.String(ns), Labels: manifest.StringMap(dbLabels)},
		Spec: &corev1.ServiceSpecArgs{
			Selector: manifest.StringMap(dbLabels),
			Ports:    corev1.ServicePortArray{&corev1.ServicePortArgs{Name: pulumi.String("postgresql"), Port: pulumi.Int(DBPort), TargetPort: pulumi.Int(DBPort)}},
		},
	}, append(svcOpts, parent)...)
	if err != nil {
		return readiness.Prerequisite{}, fmt.Errorf("maas %q: creating Service %s/%s: %w", name, ns, DBName, err)
	}
	m.DatabaseSecret, m.DatabaseClaim, m.Database, m.DatabaseService = secret, claim, deployment, service
	return readiness.After(append(dbReady, deployment, service)...), nil
}

// newDatabaseSecret registers maas-db-config from the configured password or
// a generated one; both stay Pulumi secrets from config to state.
func (m *MaaS) newDatabaseSecret(ctx *pulumi.Context, name string, a MaaSArgs, meta *metav1.ObjectMetaArgs, opts []pulumi.ResourceOption) (*corev1.Secret, error) {
	parent := pulumi.Parent(m)
	ns := a.ApplicationsNamespace
	var password pulumi.StringOutput
	if a.Database.Password != nil {
		password = pulumi.ToSecret(a.Database.Password).(pulumi.StringOutput)
	} else {
		// Alphanumeric: the password sits in a URL and in a shell-free env var.
		pw, err := random.NewRandomPassword(ctx, name+"-db-password", &random.RandomPasswordArgs{
			Length: pulumi.Int(32), Special: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("maas %q: creating the database password: %w", name, err)
		}
		m.DatabasePassword = pw
		password = pulumi.ToSecret(pw.Result).(pulumi.StringOutput)
	}
	m.DBPassword = password
	dbURL := password.ApplyT(func(p string) string { return ConnectionURL(p, ns) }).(pulumi.StringOutput)
	secret, err := corev1.NewSecret(ctx, name+"-db-config", &corev1.SecretArgs{
		Metadata: meta, Type: pulumi.String("Opaque"),
		StringData: pulumi.StringMap{dbPasswordKey: password, dbURLKey: dbURL},
	}, append(opts, parent)...)
	if err != nil {
		return nil, fmt.Errorf("maas %q: creating Secret %s/%s: %w", name, ns, DBSecretName, err)
	}
	return secret, nil
}
