// Every role assignment, each on the narrowest scope that works. The app's identity gets the data
// roles the API and the Functions host use (blobs: content and the host's locks and deployment
// package; tables: the API's records; queues: the host's internal work items and the webhook deliveries), reads secrets and
// publishes telemetry. The deploying user, when given, gets the same data roles (to debug against the
// cloud) and may write secrets (the hook script creates the keys with them).
param storageAccountName string
param applicationInsightsName string
param keyVaultName string
param identityPrincipalId string
param userPrincipalId string
param userPrincipalType string

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}

var app = { id: identityPrincipalId, type: 'ServicePrincipal' }
var users = empty(userPrincipalId) ? [] : [{ id: userPrincipalId, type: userPrincipalType }]
var storageRoles = [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]
var storageGrants = flatten(map(concat([app], users), principal => map(storageRoles, role => { principal: principal, role: role })))
var vaultGrants = concat(
  [{ principal: app, role: roles.keyVaultSecretsUser }],
  map(users, principal => { principal: principal, role: roles.keyVaultSecretsOfficer }))

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

resource storageAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for grant in storageGrants: {
  name: guid(storage.id, grant.principal.id, grant.role)
  scope: storage
  properties: {
    principalId: grant.principal.id
    principalType: grant.principal.type
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
  }
}]

resource vaultAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for grant in vaultGrants: {
  name: guid(vault.id, grant.principal.id, grant.role)
  scope: vault
  properties: {
    principalId: grant.principal.id
    principalType: grant.principal.type
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
  }
}]

resource telemetryAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, app.id, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: app.id
    principalType: app.type
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}
