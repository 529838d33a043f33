// The test stack is the launcher's stack: one implementation in local/azureStack.ts.
export { startAzureStack, type AzureStack, type AzureStackOptions } from '../../local/azureStack';
