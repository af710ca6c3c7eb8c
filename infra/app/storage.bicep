// The platform storage account: the app's tables and blobs, the Functions host's own state and the
// deployment package. Reachable only with Entra ID tokens: shared keys (and so connection strings
// and SAS) are disabled, no container can be public, TLS 1.2 at least.
param name string
param location string
param tags object
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    dnsEndpointType: 'Standard'
    minimumTlsVersion: 'TLS1_2'
    publicNetworkAccess: 'Enabled'
    supportsHttpsTrafficOnly: true
  }

  resource blobs 'blobServices' = {
    name: 'default'
    properties: {
      // A week to undo an accidental delete of encrypted containers' bytes.
      deleteRetentionPolicy: { enabled: true, days: 7 }
      containerDeleteRetentionPolicy: { enabled: true, days: 7 }
    }

    resource deployment 'containers' = {
      name: deploymentContainerName
    }
  }
}

output name string = storage.name
output deploymentContainerName string = storage::blobs::deployment.name
