import { MemoryNetwork } from './memory.ts'
import { transportCompliance } from './transport-compliance.suite.ts'

transportCompliance('memory', () => {
  const network = new MemoryNetwork()
  return { make: async (signer, limits) => network.transport(signer, limits, 'localhost') }
})
