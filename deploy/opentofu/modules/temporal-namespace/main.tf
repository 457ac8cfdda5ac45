# The Temporal namespace the service runs in, with its retention and the search attributes the order
# workflow sets, registered by a Job with Temporal's admin tools (the Temporal CLI) against the cluster's
# frontend. Idempotent: it creates what is missing and sets the retention of a namespace that exists.
# A Job cannot change, so its name carries a digest of what it does: a changed input makes a new one.

resource "kubernetes_job_v1" "register" {
  metadata {
    name      = "temporal-namespace-${substr(sha256(jsonencode(local.spec)), 0, 10)}"
    namespace = var.kubernetes_namespace
    labels    = { "app.kubernetes.io/part-of" = "order-saga" }
  }
  spec {
    backoff_limit = 10
    template {
      metadata {
        labels = { "app.kubernetes.io/name" = "temporal-namespace" }
      }
      spec {
        restart_policy = "OnFailure"
        security_context {
          run_as_non_root = true
          run_as_user     = 1000
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }
        container {
          name    = "register"
          image   = var.admin_tools_image
          command = ["sh", "-ec", local.script]
          env {
            name  = "TEMPORAL_ADDRESS"
            value = var.temporal_address
          }
          env {
            name  = "NAMESPACE"
            value = var.namespace
          }
          env {
            name  = "RETENTION"
            value = "${var.retention_days * 24}h"
          }
          env {
            name  = "SEARCH_ATTRIBUTES"
            value = join(" ", [for name, type in var.search_attributes : "${name}=${type}"])
          }
          security_context {
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            capabilities {
              drop = ["ALL"]
            }
          }
        }
      }
    }
  }
  wait_for_completion = true
  timeouts {
    create = "10m"
    update = "10m"
  }
}

locals {
  spec = {
    address           = var.temporal_address
    namespace         = var.namespace
    retention_days    = var.retention_days
    search_attributes = var.search_attributes
    image             = var.admin_tools_image
  }
  # The CLI reads TEMPORAL_ADDRESS; a search attribute that exists is listed, which is what counts.
  script = <<-EOT
    if temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
      temporal operator namespace update --namespace "$NAMESPACE" --retention "$RETENTION"
    else
      temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
    fi
    for sa in $SEARCH_ATTRIBUTES; do
      temporal operator search-attribute create --namespace "$NAMESPACE" --name "$${sa%%=*}" --type "$${sa##*=}" ||
        temporal operator search-attribute list --namespace "$NAMESPACE" | grep -qw "$${sa%%=*}"
    done
  EOT
}
