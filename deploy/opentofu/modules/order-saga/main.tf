# The service itself: its Secret (write-only) and the kustomize base (deploy/k8s/base) applied as it is,
# with three changes made here: the image built by the pipeline, the ConfigMap's values and a pod
# annotation carrying the secrets' revision, so that new secrets roll the pods.

# The base's envFrom names it; its keys override the ConfigMap's.
resource "kubernetes_secret_v1" "service" {
  metadata {
    name      = "order-saga-secrets"
    namespace = var.namespace
    labels    = { "app.kubernetes.io/part-of" = "order-saga" }
  }
  # write-only: sent to the cluster, never kept in the state or the plan
  data_wo          = var.secrets
  data_wo_revision = var.secrets_revision
}

# Temporal's TLS files, when there are any: mounted into every pod at var.tls_dir.
resource "kubernetes_secret_v1" "temporal_tls" {
  count = length(var.tls_file_names) > 0 ? 1 : 0
  metadata {
    name      = "order-saga-temporal-tls"
    namespace = var.namespace
    labels    = { "app.kubernetes.io/part-of" = "order-saga" }
  }
  data_wo          = var.tls_files
  data_wo_revision = var.secrets_revision
}

data "kustomization_overlay" "service" {
  resources = [var.kustomize_base]
  namespace = var.namespace

  images {
    name     = "order-saga"
    new_name = var.image_repository
    new_tag  = var.image_tag
  }

  # The ConfigMap's values from here; a key the Secret carries is taken out of it (null deletes it).
  patches {
    target {
      kind = "ConfigMap"
      name = "order-saga-config"
    }
    patch = yamlencode({
      apiVersion = "v1"
      kind       = "ConfigMap"
      metadata   = { name = "order-saga-config" }
      data       = merge(var.config, { for key in var.secret_keys : key => null })
    })
  }

  patches {
    target {
      kind = "Deployment"
    }
    patch = yamlencode({
      apiVersion = "apps/v1"
      kind       = "Deployment"
      metadata   = { name = "any" }
      spec = {
        template = {
          metadata = { annotations = { "order-saga/secrets-revision" = tostring(var.secrets_revision) } }
        }
      }
    })
  }

  # Each Deployment has one container and a volume (/tmp) already: the TLS files join them.
  dynamic "patches" {
    for_each = length(var.tls_file_names) > 0 ? [1] : []
    content {
      target {
        kind = "Deployment"
      }
      patch = yamlencode([
        {
          op   = "add"
          path = "/spec/template/spec/volumes/-"
          # 0444: the pods run as a user of their own (1000) without an fsGroup, and a Secret's files are root's
          value = { name = "temporal-tls", secret = { secretName = "order-saga-temporal-tls", defaultMode = 292 } }
        },
        {
          op    = "add"
          path  = "/spec/template/spec/containers/0/volumeMounts/-"
          value = { name = "temporal-tls", mountPath = var.tls_dir, readOnly = true }
        },
      ])
    }
  }
}

# In the order the provider gives (ids_prio): namespaced kinds' prerequisites, then the workloads (waiting
# for their rollout), then what refers to them (the autoscalers).
resource "kustomization_resource" "first" {
  for_each   = data.kustomization_overlay.service.ids_prio[0]
  manifest   = data.kustomization_overlay.service.manifests[each.value]
  depends_on = [kubernetes_secret_v1.service, kubernetes_secret_v1.temporal_tls]
}

resource "kustomization_resource" "workloads" {
  for_each = data.kustomization_overlay.service.ids_prio[1]
  manifest = data.kustomization_overlay.service.manifests[each.value]
  wait     = true
  timeouts {
    create = "10m"
    update = "10m"
  }
  depends_on = [kustomization_resource.first]
}

resource "kustomization_resource" "last" {
  for_each   = data.kustomization_overlay.service.ids_prio[2]
  manifest   = data.kustomization_overlay.service.manifests[each.value]
  depends_on = [kustomization_resource.workloads]
}
