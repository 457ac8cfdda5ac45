# One single-replica data store in the cluster: a StatefulSet whose volume is a PersistentVolumeClaim
# (the storage), a Service in front of it and its password in a Secret. The root module makes MongoDB and
# Redis with it when they are not pointed at existing ones.

resource "kubernetes_secret_v1" "password" {
  metadata {
    name      = "${var.name}-password"
    namespace = var.namespace
    labels    = local.labels
  }
  # write-only: sent to the cluster, never kept in the state or the plan
  data_wo          = { PASSWORD = var.password }
  data_wo_revision = var.password_revision
}

resource "kubernetes_service_v1" "store" {
  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }
  spec {
    selector = local.labels
    port {
      name        = var.name
      port        = var.port
      target_port = var.port
    }
  }
}

resource "kubernetes_stateful_set_v1" "store" {
  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }
  spec {
    service_name = kubernetes_service_v1.store.metadata[0].name
    replicas     = 1
    selector {
      match_labels = local.labels
    }
    template {
      metadata {
        labels = local.labels
        # a new password revision restarts the store with it
        annotations = { "order-saga/password-revision" = tostring(var.password_revision) }
      }
      spec {
        security_context {
          run_as_non_root = true
          run_as_user     = var.run_as_user
          fs_group        = var.run_as_user
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }
        container {
          name  = var.name
          image = var.image
          args  = var.args
          env {
            name = var.password_env
            value_from {
              secret_key_ref {
                name = kubernetes_secret_v1.password.metadata[0].name
                key  = "PASSWORD"
              }
            }
          }
          dynamic "env" {
            for_each = var.env
            content {
              name  = env.key
              value = env.value
            }
          }
          port {
            name           = var.name
            container_port = var.port
          }
          readiness_probe {
            tcp_socket {
              port = var.port
            }
            period_seconds = 10
          }
          resources {
            requests = { cpu = var.cpu, memory = var.memory }
            limits   = { memory = var.memory }
          }
          security_context {
            allow_privilege_escalation = false
            capabilities {
              drop = ["ALL"]
            }
          }
          volume_mount {
            name       = "data"
            mount_path = var.data_path
          }
        }
      }
    }
    volume_claim_template {
      metadata {
        name = "data"
      }
      spec {
        access_modes       = ["ReadWriteOnce"]
        storage_class_name = var.storage_class
        resources {
          requests = { storage = var.storage_size }
        }
      }
    }
  }
  wait_for_rollout = true
}

locals {
  labels = {
    "app.kubernetes.io/name"    = var.name
    "app.kubernetes.io/part-of" = "order-saga"
  }
}
