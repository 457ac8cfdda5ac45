variable "name" {
  description = "The store's name: its StatefulSet, Service (the host the service connects to) and Secret."
  type        = string
}

variable "namespace" {
  description = "The Kubernetes namespace it runs in."
  type        = string
}

variable "image" {
  description = "The container image, pinned by tag."
  type        = string
}

variable "args" {
  description = "The container's arguments; $(VAR) names one of its environment variables."
  type        = list(string)
  default     = []
}

variable "port" {
  description = "The port it listens on, the Service's too."
  type        = number
}

variable "data_path" {
  description = "Where the image keeps its data: the persistent volume is mounted there."
  type        = string
}

variable "storage_size" {
  description = "The persistent volume's size, such as 20Gi."
  type        = string
}

variable "storage_class" {
  description = "The StorageClass of the volume; null for the cluster's default."
  type        = string
  default     = null
}

variable "cpu" {
  description = "CPU requested."
  type        = string
  default     = "250m"
}

variable "memory" {
  description = "Memory requested and its limit."
  type        = string
  default     = "1Gi"
}

variable "run_as_user" {
  description = "The uid the image's server runs as (the volume is made writable for it)."
  type        = number
}

variable "env" {
  description = "Further environment variables, not secret."
  type        = map(string)
  default     = {}
}

variable "password_env" {
  description = "The environment variable the password is given in."
  type        = string
}

variable "password" {
  description = "The store's password. Ephemeral: written to the Secret, never kept in the state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "password_revision" {
  description = "Raise it to write a changed password (a write-only value cannot be compared)."
  type        = number
  default     = 1
}
