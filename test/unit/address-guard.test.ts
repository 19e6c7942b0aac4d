import { describe, it, expect } from 'vitest';
import { isIpLiteral, isPublicAddress, parseIPv6 } from '../../src/ingest/address-guard.js';

// These addresses are only parsed and classified; nothing is ever contacted.
const NOT_PUBLIC = [
  '169.254.169.254',
  '10.0.0.1',
  '10.255.255.255',
  '172.16.5.4',
  '172.31.255.255',
  '192.168.1.1',
  '127.0.0.1',
  '127.1.2.3',
  '0.0.0.0',
  '0.1.2.3',
  '100.64.0.1',
  '100.127.255.254',
  '192.0.0.8',
  '192.0.2.1',
  '198.18.0.1',
  '198.19.255.255',
  '198.51.100.7',
  '203.0.113.9',
  '224.0.0.1',
  '239.255.255.250',
  '240.0.0.1',
  '255.255.255.255',
  '::1',
  '::',
  '[::1]',
  'fe80::1',
  'fe80::1%eth0',
  '[fe80::1%25eth0]',
  'febf::1',
  'fd00::1',
  'fc00::1',
  'ff02::1',
  '2001:db8::1',
  '64:ff9b::a9fe:a9fe',
  '64:ff9b::8.8.8.8',
  '::ffff:127.0.0.1',
  '::ffff:169.254.169.254',
  '::ffff:10.0.0.1',
  '::ffff:7f00:1',
  '::ffff:a9fe:a9fe',
  '0:0:0:0:0:ffff:7f00:0001',
  '::127.0.0.1',
  '2002:7f00:1::',
  '2002:a9fe:a9fe::1',
  '2002:0a00:0001::',
  // garbage / not an IP literal
  'garbage',
  '',
  'localhost',
  'example.com',
  '1.2.3',
  '1.2.3.4.5',
  '256.1.1.1',
  '010.0.0.1',
  '0x7f.0.0.1',
  '1.2.3.-4',
  ':::1',
  '1::2::3',
  '1:2:3:4:5:6:7:8:9',
  '12345::1',
  'g::1',
  '::ffff:999.0.0.1',
  '[127.0.0.1',
];

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '172.32.0.1',
  '100.128.0.1',
  '169.255.0.1',
  '2606:4700:4700::1111',
  '[2606:4700:4700::1111]',
  '2a00:1450:4001:80b::200e',
  '::ffff:8.8.8.8',
  '::ffff:808:808',
  '2002:808:808::1',
];

describe('isPublicAddress', () => {
  it.each(NOT_PUBLIC)('%s is not public', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each(PUBLIC)('%s is public', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe('parseIPv6', () => {
  it('expands compressed forms and embedded IPv4', () => {
    expect(parseIPv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6('1:2:3:4:5:6:1.2.3.4')).toEqual([1, 2, 3, 4, 5, 6, 0x102, 0x304]);
    expect(parseIPv6('1:2:3:4:5:6:7::')).toEqual([1, 2, 3, 4, 5, 6, 7, 0]);
    expect(parseIPv6('1:2:3:4:5:6:7:8::')).toBeUndefined();
    expect(parseIPv6('1:2:3:4:5:6:7')).toBeUndefined();
  });
});

describe('isIpLiteral', () => {
  it('distinguishes IP literals from names', () => {
    expect(isIpLiteral('127.0.0.1')).toBe(true);
    expect(isIpLiteral('[::1]')).toBe(true);
    expect(isIpLiteral('localhost')).toBe(false);
    expect(isIpLiteral('metadata.example')).toBe(false);
  });
});
