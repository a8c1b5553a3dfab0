// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The nym-go Authors.

package sphinx

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
)

// NodeAddress is a mix node's or gateway's socket address as carried inside
// a header: ip_version (4 or 6) ‖ port (big-endian uint16) ‖ 4 or 16 address
// bytes ‖ zero padding to 32 bytes. The zero NodeAddress is not valid.
type NodeAddress [NodeAddressSize]byte

// NodeAddressFromAddrPort encodes ap. IPv4-mapped IPv6 addresses are encoded
// as IPv4, so every address has a single encoding. Addresses with an IPv6
// zone cannot be encoded.
func NodeAddressFromAddrPort(ap netip.AddrPort) (NodeAddress, error) {
	var a NodeAddress
	ip := ap.Addr().Unmap()
	switch {
	case !ip.IsValid():
		return a, fmt.Errorf("%w: no IP address", ErrBadAddress)
	case ip.Zone() != "":
		return a, fmt.Errorf("%w: %v has a zone", ErrBadAddress, ip)
	case ip.Is4():
		a[0] = 4
		b := ip.As4()
		copy(a[3:], b[:])
	default:
		a[0] = 6
		b := ip.As16()
		copy(a[3:], b[:])
	}
	binary.BigEndian.PutUint16(a[1:3], ap.Port())
	return a, nil
}

// AddrPort decodes a. It rejects unknown IP versions, non-zero padding and
// IPv4-mapped addresses encoded as IPv6 (they have an IPv4 encoding).
func (a NodeAddress) AddrPort() (netip.AddrPort, error) {
	var n int
	switch a[0] {
	case 4:
		n = 4
	case 6:
		n = 16
	default:
		return netip.AddrPort{}, errAddressVersion
	}
	for _, b := range a[3+n:] {
		if b != 0 {
			return netip.AddrPort{}, errAddressPadding
		}
	}
	ip, _ := netip.AddrFromSlice(a[3 : 3+n]) // cannot fail: n is 4 or 16
	if ip.Is4In6() {
		return netip.AddrPort{}, errAddressMapped
	}
	return netip.AddrPortFrom(ip, binary.BigEndian.Uint16(a[1:3])), nil
}

// String returns the address as host:port, or "invalid(<hex>)" when a does
// not decode.
func (a NodeAddress) String() string {
	ap, err := a.AddrPort()
	if err != nil {
		return "invalid(" + hex.EncodeToString(a[:]) + ")"
	}
	return ap.String()
}
