// The app's user-assigned identity: it reads storage, the vault and writes telemetry. Being
// user-assigned, its role assignments exist before the app does, so the app never starts without them.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output name string = identity.name
output principalId string = identity.properties.principalId
