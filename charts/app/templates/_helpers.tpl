{{/* Names, labels and the pieces every workload shares. */}}

{{- define "app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* "<release>-<chart>", or the release name alone when it already contains the chart name. */}}
{{- define "app.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "app.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name of one component's objects: (dict "root" $ "component" "users"). */}}
{{- define "app.componentName" -}}
{{- printf "%s-%s" (include "app.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of one component: (dict "root" $ "component" "users"). */}}
{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "app.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The standard labels of every object: (dict "root" $ "component" "users"). */}}
{{- define "app.labels" -}}
helm.sh/chart: {{ include "app.chart" .root }}
{{ include "app.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: {{ include "app.name" .root }}
{{- end }}

{{/* The image reference of a service: (dict "root" $ "service" $svc). */}}
{{- define "app.image" -}}
{{- $registry := .root.Values.global.imageRegistry }}
{{- $tag := .service.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- if $registry }}
{{- printf "%s/%s:%s" (trimSuffix "/" $registry) .service.image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .service.image.repository $tag }}
{{- end }}
{{- end }}

{{/* The tag a service runs (its service.version in traces): (dict "root" $ "service" $svc). */}}
{{- define "app.imageTag" -}}
{{- .service.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- end }}

{{/* The environment variable that carries a service's address: users -> USERS_ADDR, my-svc -> MY_SVC_ADDR. */}}
{{- define "app.envPrefix" -}}
{{- . | upper | replace "-" "_" }}
{{- end }}

{{/* Where each service's database URL comes from (env entries, before DATABASE_URL). */}}
{{- define "app.databaseEnv" -}}
{{- $root := .root }}
{{- if $root.Values.postgres.enabled }}
- name: POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "app.componentName" (dict "root" $root "component" "postgres") }}
      key: password
- name: DATABASE_URL
  value: {{ printf "postgres://%s:$(POSTGRES_PASSWORD)@%s:5432/%s" $root.Values.postgres.auth.username (include "app.componentName" (dict "root" $root "component" "postgres")) .name | quote }}
{{- else }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "externalDatabase.existingSecret is required when postgres.enabled=false" $root.Values.externalDatabase.existingSecret }}
      key: {{ .name }}
{{- end }}
{{- end }}

{{/* The OTLP endpoint every process exports to ("" = none). */}}
{{- define "app.otlpEndpoint" -}}
{{- if .Values.jaeger.enabled }}
{{- printf "http://%s:4318" (include "app.componentName" (dict "root" . "component" "jaeger")) }}
{{- else }}
{{- .Values.externalOtlp.endpoint }}
{{- end }}
{{- end }}

{{/* The web app's public URL. */}}
{{- define "app.origin" -}}
{{- if .Values.origin }}
{{- .Values.origin }}
{{- else if .Values.ingress.enabled }}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host }}
{{- else }}
{{- $web := "" }}
{{- range $name, $svc := .Values.services }}{{ if eq $svc.kind "web" }}{{ $web = $svc }}{{ end }}{{ end }}
{{- printf "http://localhost:%v" (ternary $web.port 3000 (not (empty $web))) }}
{{- end }}
{{- end }}

{{/* Telemetry and logging env of a process: (dict "root" $ "name" "users" "service" $svc). */}}
{{- define "app.commonEnv" -}}
{{- if not .root.Values.devMode }}
- name: NODE_ENV
  value: production
{{- end }}
- name: PORT
  value: {{ .service.port | quote }}
- name: LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ .name | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "service.version=%s,service.namespace=%s,k8s.namespace.name=%s" (include "app.imageTag" .) .root.Release.Name .root.Release.Namespace | quote }}
{{- with include "app.otlpEndpoint" .root }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end }}

{{/* Pod-level security: non-root uid 1000 (the images' node user), seccomp RuntimeDefault. */}}
{{- define "app.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid | default 1000 }}
runAsGroup: {{ .uid | default 1000 }}
fsGroup: {{ .uid | default 1000 }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container-level security: read-only root file system, no privilege escalation, no capabilities.
(dict "writable" true) only for a service container under devMode (live reload writes into it). */}}
{{- define "app.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ not .writable }}
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end }}

{{/* imagePullSecrets of a pod spec, when there are any: (dict "root" $ "indent" 6). */}}
{{- define "app.imagePullSecrets" -}}
{{- with .root.Values.global.imagePullSecrets }}
{{- $list := list }}
{{- range . }}{{ $list = append $list (dict "name" .) }}{{ end }}
{{- dict "imagePullSecrets" $list | toYaml | nindent $.indent }}
{{- end }}
{{- end }}
