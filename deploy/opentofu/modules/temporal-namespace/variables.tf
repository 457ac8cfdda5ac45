variable "kubernetes_namespace" {
  description = "The Kubernetes namespace the registering Job runs in."
  type        = string
}

variable "temporal_address" {
  description = "host:port of the Temporal cluster's frontend, as seen from inside the cluster."
  type        = string
}

variable "namespace" {
  description = "The Temporal namespace to register."
  type        = string
}

variable "retention_days" {
  description = "How long Temporal keeps a closed run's history. The read models and the event log keep the order for good."
  type        = number
  validation {
    condition     = var.retention_days >= 1 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days is a whole number of days, at least 1."
  }
}

variable "search_attributes" {
  description = "Custom search attributes to register, name => type (Keyword, Double, ...)."
  type        = map(string)
}

variable "admin_tools_image" {
  description = "The image with the Temporal CLI."
  type        = string
}
