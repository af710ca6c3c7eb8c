// The vault of the operator key and the master key. Access is by Azure RBAC only; deleted secrets
// and the vault itself stay recoverable for 90 days, and purge protection means nobody (not even
// an owner) can destroy the master key early: data sealed under it would be lost with it.
param name string
param location string
param tags object

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

output name string = vault.name
