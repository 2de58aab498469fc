//! yingji-server
