// Package ocpsim simulates the OpenShift platform the program installs on.
package ocpsim
