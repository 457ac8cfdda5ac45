terraform {
  # ephemeral variables and write-only attributes: secrets reach the cluster, not the state
  required_version = ">= 1.11.0"

  # The state in a Secret of the cluster (tfstate-default-order-saga in kube-system); it holds no secret of
  # the service. The kubeconfig comes at init: tofu init -backend-config=config_path=~/.kube/config
  backend "kubernetes" {
    secret_suffix = "order-saga"
    namespace     = "kube-system"
  }

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 3.2"
    }
    kustomization = {
      source  = "kbst/kustomization"
      version = "~> 0.9.8"
    }
  }
}
