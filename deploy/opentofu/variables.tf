# Where: the cluster and the namespace.

variable "kubeconfig_path" {
  description = "The kubeconfig of the cluster to deploy to."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "Its context to use; null for the current one."
  type        = string
  default     = null
}

variable "namespace" {
  description = "The Kubernetes namespace of the service, its stores and the registering Job."
  type        = string
  default     = "order-saga"
}

variable "create_namespace" {
  description = "Create the namespace (false: it exists already)."
  type        = bool
  default     = true
}

# What: the image the pipeline built.

variable "image_repository" {
  description = "The image's repository without tag: the pipeline's $IMAGE_REGISTRY/order-saga."
  type        = string
}

variable "image_tag" {
  description = "The image's tag: the full commit SHA the pipeline built and pushed."
  type        = string
  validation {
    condition     = can(regex("^[0-9a-f]{40}$", var.image_tag))
    error_message = "image_tag is a full commit SHA (40 hex digits), the tag the pipeline pushes."
  }
}

# The dependencies: each created here or an existing one.

variable "temporal" {
  description = <<-EOT
    The Temporal cluster (an existing one: its frontend's address inside the cluster) and the namespace the
    service runs in. register_namespace = true creates it (or sets its retention) and registers the
    search attributes the order workflow sets; false: it exists with them already.
  EOT
  type = object({
    address            = string
    namespace          = optional(string, "orders")
    register_namespace = optional(bool, true)
    retention_days     = optional(number, 30)
    # workflows/search-attributes.ts
    search_attributes = optional(map(string), { CustomerId = "Keyword", OrderStatus = "Keyword", OrderTotal = "Double" })
    admin_tools_image = optional(string, "temporalio/admin-tools:1.29.1-tctl-1.18.4-cli-1.5.0")
  })
}

variable "temporal_tls" {
  description = <<-EOT
    TLS to Temporal (a frontend that asks for TLS or mTLS, Temporal Cloud); enabled = false: plain gRPC.
    ca_pem: the CA that signs the frontend's certificate (null: the image's system CAs). server_name: the
    name on that certificate, when it is not temporal.address's host. client_certificate = true: mTLS with
    temporal_client_cert_pem and temporal_client_key_pem. api_key = true: Temporal Cloud's temporal_api_key.
  EOT
  type = object({
    enabled            = bool
    ca_pem             = optional(string)
    server_name        = optional(string)
    client_certificate = optional(bool, false)
    api_key            = optional(bool, false)
  })
  default = { enabled = false }
  validation {
    condition = var.temporal_tls.enabled || !(
      var.temporal_tls.client_certificate || var.temporal_tls.api_key ||
      var.temporal_tls.ca_pem != null || var.temporal_tls.server_name != null
    )
    error_message = "temporal_tls.enabled must be true when a CA, a server name, a client certificate or an API key is given."
  }
}

variable "temporal_client_cert_pem" {
  description = "The client certificate (PEM) the processes show Temporal, when temporal_tls.client_certificate."
  type        = string
  ephemeral   = true
  default     = null
  validation {
    condition     = !var.temporal_tls.client_certificate || try(length(var.temporal_client_cert_pem) > 0, false)
    error_message = "temporal_client_cert_pem is needed when temporal_tls.client_certificate = true."
  }
}

variable "temporal_client_key_pem" {
  description = "The client certificate's private key (PEM), when temporal_tls.client_certificate."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
  validation {
    condition     = !var.temporal_tls.client_certificate || try(length(var.temporal_client_key_pem) > 0, false)
    error_message = "temporal_client_key_pem is needed when temporal_tls.client_certificate = true."
  }
}

variable "temporal_api_key" {
  description = "TEMPORAL_API_KEY: Temporal Cloud's API key, when temporal_tls.api_key."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
  validation {
    condition     = !var.temporal_tls.api_key || try(length(var.temporal_api_key) >= 16, false)
    error_message = "temporal_api_key (at least 16 characters) is needed when temporal_tls.api_key = true."
  }
}

variable "mongodb" {
  description = "MongoDB: create = true runs one in the namespace on a persistent volume; false uses mongodb_url."
  type = object({
    create        = bool
    database      = optional(string, "orders")
    image         = optional(string, "mongo:8.0.4")
    storage_size  = optional(string, "20Gi")
    storage_class = optional(string)
    memory        = optional(string, "2Gi")
  })
}

variable "redis" {
  description = "Redis: create = true runs one in the namespace on a persistent volume (append-only file); false uses redis_url."
  type = object({
    create        = bool
    image         = optional(string, "redis:7.4.2")
    storage_size  = optional(string, "5Gi")
    storage_class = optional(string)
    memory        = optional(string, "1Gi")
  })
}

# The service's settings that have no default fit for production (the rest: extra_config).

variable "auth" {
  description = "The identity provider that issues callers' tokens: its JWKS URL, its issuer and this API's audience."
  type = object({
    jwks_url = string
    issuer   = string
    audience = string
  })
}

variable "trust_proxy" {
  description = "The addresses of the ingress in front of the API (CIDR), whose X-Forwarded-For names the client."
  type        = string
}

variable "codec_cors_origins" {
  description = "The Temporal Web UI origins that decode payloads with the API's /codec."
  type        = list(string)
  default     = []
}

variable "mail_from" {
  description = "The sender of the customers' e-mails."
  type        = string
}

variable "otlp_endpoint" {
  description = "The OpenTelemetry collector's OTLP/HTTP endpoint (one trace per order); null sends none."
  type        = string
  default     = null
}

variable "extra_config" {
  description = "Further ConfigMap values (the variables of config/index.ts), over all of the above."
  type        = map(string)
  default     = {}
}

# Secrets: ephemeral, so given on every plan and apply (TF_VAR_payload_keys=...), never written to the
# state or the plan. Their revision is how a change is made: raise secrets_revision with new values.

variable "secrets_revision" {
  description = "Raise it to write changed secrets (a write-only value cannot be compared): the Secrets are written again and the pods roll."
  type        = number
  default     = 1
}

variable "payload_keys" {
  description = "PAYLOAD_KEYS: the keys that encrypt payloads in Temporal's histories, id:base64 of 32 bytes, comma-separated, newest first."
  type        = string
  sensitive   = true
  ephemeral   = true
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=(,[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=)*$", var.payload_keys))
    error_message = "payload_keys is id:key[,id:key...], each key 32 bytes in base64 (openssl rand -base64 32)."
  }
}

variable "smtp_url" {
  description = "SMTP_URL: the mail relay, with its credentials (smtps://user:password@host:465)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "sms_token_set" {
  description = "Whether sms_token is given (an ephemeral value cannot decide what the Secret holds)."
  type        = bool
  default     = false
}

variable "sms_token" {
  description = "SMS_TOKEN: the SMS provider's API token, when sms_token_set."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
  validation {
    condition     = !var.sms_token_set || try(length(var.sms_token) > 0, false)
    error_message = "sms_token is needed when sms_token_set = true."
  }
}

variable "mongodb_url" {
  description = "MONGODB_URL of an existing MongoDB, when mongodb.create = false."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
  validation {
    condition     = var.mongodb.create || try(length(var.mongodb_url) > 0, false)
    error_message = "mongodb_url is needed when mongodb.create = false."
  }
}

variable "mongodb_password" {
  description = "The password of the MongoDB created here, when mongodb.create."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
  validation {
    condition     = !var.mongodb.create || try(length(var.mongodb_password) >= 16, false)
    error_message = "mongodb_password (16 characters or more) is needed when mongodb.create = true."
  }
}

variable "redis_url" {
  description = "REDIS_URL of an existing Redis, when redis.create = false."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
  validation {
    condition     = var.redis.create || try(length(var.redis_url) > 0, false)
    error_message = "redis_url is needed when redis.create = false."
  }
}

variable "redis_password" {
  description = "The password of the Redis created here, when redis.create."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = null
  validation {
    condition     = !var.redis.create || try(length(var.redis_password) >= 16, false)
    error_message = "redis_password (16 characters or more) is needed when redis.create = true."
  }
}
