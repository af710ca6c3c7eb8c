// The Locktera API in Azure, as `azd up` provisions it: one resource group holding a Flex
// Consumption function app that reaches storage, Key Vault and Application Insights through its
// own user-assigned identity. No account key or secret is ever a parameter or an output.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; with the subscription and location it makes the resource names unique.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the deploying user (azd passes it): gets data access to storage and may write the vault\'s secrets. Empty for none.')
param principalId string = ''

@description('Kind of principal principalId names.')
@allowed(['User', 'ServicePrincipal'])
param principalType string = 'User'

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance; CPU and network bandwidth grow with it.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Largest request body the Functions host accepts, and so the most plaintext bytes one encode may hold.')
@minValue(1048576)
param maxRequestBodyBytes int = 104857600

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
// The hook script (infra/scripts/secrets.sh) creates these secrets; the app settings reference them.
var operatorKeySecretName = 'locktera-operator-key'
var masterKeySecretName = 'locktera-master-key'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${take(functionAppName, 32)}'
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    identityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityName: identity.outputs.name
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    operatorKeySecretName: operatorKeySecretName
    masterKeySecretName: masterKeySecretName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    maxRequestBodyBytes: maxRequestBodyBytes
  }
  // The app starts as soon as it exists: its identity must already reach storage and the vault.
  dependsOn: [rbac]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_FUNCTION_APP_ID string = api.outputs.id
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output LOCKTERA_API_URL string = '${api.outputs.uri}/api/v1'
output LOCKTERA_OPERATOR_KEY_SECRET string = operatorKeySecretName
output LOCKTERA_MASTER_KEY_SECRET string = masterKeySecretName
