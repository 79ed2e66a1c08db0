// Command rhoai installs Red Hat OpenShift AI 3.4 + llm-d + Models-as-a-Service
// on OpenShift with `pulumi up`. All of the program lives in stacks/.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/rhoai-pulumi/installer/stacks"
)

func main() {
	pulumi.Run(stacks.Program)
}
