/** nftables for tests: the simulator's dropper, re-exported where the tests have always found it. */
export { NftDropper, nftUnavailable } from '../../simulator/nft.ts';
