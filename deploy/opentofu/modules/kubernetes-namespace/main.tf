# A Kubernetes namespace, created here or one that exists.

resource "kubernetes_namespace_v1" "this" {
  count = var.create ? 1 : 0
  metadata {
    name   = var.name
    labels = { "app.kubernetes.io/part-of" = "order-saga" }
  }
}

variable "name" {
  description = "The namespace's name."
  type        = string
}

variable "create" {
  description = "Create it (false: it exists already)."
  type        = bool
}

output "name" {
  description = "The namespace's name, known once it exists."
  value       = var.create ? kubernetes_namespace_v1.this[0].metadata[0].name : var.name
}
