variable "namespace" {
  description = "The Kubernetes namespace of the service."
  type        = string
}

variable "kustomize_base" {
  description = "The kustomize base applied."
  type        = string
}

variable "image_repository" {
  description = "The image's repository, without tag (the pipeline's $IMAGE_REGISTRY/order-saga)."
  type        = string
}

variable "image_tag" {
  description = "The image's tag: the commit the pipeline built."
  type        = string
}

variable "config" {
  description = "Values of the ConfigMap order-saga-config, over the base's."
  type        = map(string)
}

variable "secret_keys" {
  description = "The names in var.secrets, which are taken out of the ConfigMap (they are not secret themselves)."
  type        = set(string)
}

variable "secrets" {
  description = "The Secret order-saga-secrets. Ephemeral: written to the cluster, never kept in the state."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
}

variable "secrets_revision" {
  description = "Raise it to write changed secrets: the Secret is written again and the pods roll."
  type        = number
}

variable "tls_files" {
  description = "Temporal's TLS files (name => PEM), the Secret order-saga-temporal-tls. Ephemeral, like var.secrets."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
}

variable "tls_file_names" {
  description = "The names in var.tls_files (none: no Secret, nothing mounted)."
  type        = set(string)
}

variable "tls_dir" {
  description = "Where every pod finds var.tls_files (read-only)."
  type        = string
}
