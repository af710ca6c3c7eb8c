// The API: a Flex Consumption (FC1) function app on .NET 10 isolated, HTTPS only, running as the
// user-assigned identity for everything it reaches: the deployment package, storage, Key Vault
// references and telemetry. App settings carry no secret: the two keys are Key Vault references.
// Every setting the code reads is set here or is optional with its default in code (README,
// "Configuration"); tests/Locktera.Functions.Tests/Unit/SettingsContractTests.cs checks that.
param name string
param planName string
param location string
param tags object
param identityName string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param keyVaultName string
param operatorKeySecretName string
param masterKeySecretName string
param maximumInstanceCount int
param instanceMemoryMB int
param maxRequestBodyBytes int

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      // Flex Consumption takes the worker runtime from here, not from FUNCTIONS_WORKER_RUNTIME.
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: {
      // The one storage connection, identity-based: the host and the API both read it.
      AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
      AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
      AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.properties.clientId
      // The queue of webhook deliveries: the API enqueues to it, the delivery function's trigger reads it.
      LockteraWebhookQueue: 'webhooks'
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
      // The host's limit and the API's own for single-request encodes agree, so a larger encode fails
      // with the API's 413 (which points to upload sessions) and not midway. Upload sessions send
      // containers of any size in parts well below this limit.
      FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: string(maxRequestBodyBytes)
      Locktera__MaxEncodeRequestBytes: string(maxRequestBodyBytes)
      // The host hands each request to the worker over loopback with the front end's X-Forwarded-For,
      // so the client is the address the front end appended; anything a client sent before it is ignored.
      Locktera__TrustedProxies: '127.0.0.1,::1'
      // Versionless references: a new secret version (a rotated operator key) is picked up on refresh.
      Locktera__OperatorKey: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${operatorKeySecretName})'
      Locktera__MasterKey: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${masterKeySecretName})'
    }
  }

  // Deployments go through Entra ID (azd, the Azure CLI); no publishing password exists to leak.
  resource ftp 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: { allow: false }
  }

  resource scm 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }
}

output id string = app.id
output name string = app.name
output uri string = 'https://${app.properties.defaultHostName}'
